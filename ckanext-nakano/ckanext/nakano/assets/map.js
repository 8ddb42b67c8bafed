/* 地図 / Map view (templates/nakano/map_view.html): the rows of a DataStore table
   with 緯度/経度 columns, fetched from datastore_search and drawn by Leaflet
   (assets/vendor, installed from npm). Every point is also a row of the table
   under the map, so the content does not depend on the map or its tiles. */
(function () {
  "use strict";
  var source = document.getElementById("nakano-map-config");
  if (!source) { return; }
  var config = JSON.parse(source.textContent);
  var PAGE = 5000;
  var SVG_LIMIT = 2000;
  var NAKANO = [35.7074, 139.6638];  // 中野区役所: where the map starts before the points arrive
  var status = document.getElementById("nakano-map-status");
  var tileNote = document.getElementById("nakano-map-tile-note");
  var tbody = document.querySelector("#nakano-map-points tbody");
  var mapElement = document.getElementById("nakano-map");

  // Japanese, then English marked as such (the site's bilingual convention).
  function say(element, ja, en) {
    var english = document.createElement("span");
    english.lang = "en";
    english.textContent = "/ " + en;
    element.textContent = ja + " ";
    element.appendChild(english);
  }

  // In the resource page's iframe (same site), grow the frame to the page once the
  // points are in: CKAN sizes it only when the frame has loaded.
  function fitFrame() {
    var frame = window.frameElement;  // null when another site embeds the view
    if (frame) {
      frame.style.height = Math.ceil(document.body.getBoundingClientRect().height) + 30 + "px";
    }
  }

  if (typeof L === "undefined" || !config.latField || !config.lonField) {
    say(status, "地図を表示できません。", "The map cannot be shown.");
    return;
  }

  // DataStore columns are text: full-width digits and signs are read too.
  function toNumber(value) {
    if (value === null || value === undefined) { return NaN; }
    var text = String(value).trim()
      .replace(/[０-９．]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[－−ー]/g, "-");
    return text === "" ? NaN : Number(text);
  }

  function position(row) {
    var lat = toNumber(row[config.latField]);
    var lon = toNumber(row[config.lonField]);
    if (!isFinite(lat) || !isFinite(lon) || (lat === 0 && lon === 0)) { return null; }
    var swapped = false;
    // Real files sometimes have the two columns the wrong way round (緯度 139.7, 経度 35.7).
    if (Math.abs(lat) > 90 && Math.abs(lon) <= 90) {
      var latitude = lon;
      lon = lat;
      lat = latitude;
      swapped = true;
    }
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) { return null; }
    return { latlng: L.latLng(lat, lon), swapped: swapped };
  }

  function fetchPage(offset, limit) {
    var query = new URLSearchParams({ resource_id: config.resourceId, limit: limit, offset: offset, sort: "_id" });
    return fetch(config.searchUrl + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (!body.success) { throw new Error((body.error && body.error.message) || "datastore_search"); }
        return body.result;
      });
  }

  // Every row up to maxPoints, in pages (datastore_search caps one answer).
  function fetchRows() {
    var rows = [];
    var fields = [];
    function next(offset) {
      var limit = Math.min(PAGE, config.maxPoints - rows.length);
      return fetchPage(offset, limit).then(function (result) {
        fields = result.fields;
        rows = rows.concat(result.records);
        var more = result.records.length === limit && rows.length < Math.min(result.total, config.maxPoints);
        return more ? next(offset + limit) : { rows: rows, fields: fields, total: result.total };
      });
    }
    return next(0);
  }

  var map = L.map(mapElement, { center: NAKANO, zoom: 13, maxZoom: 18, zoomControl: false, scrollWheelZoom: false });
  L.control.zoom({ zoomInTitle: "拡大 / Zoom in", zoomOutTitle: "縮小 / Zoom out" }).addTo(map);
  // The wheel zooms only a map the visitor has selected: scrolling the page over it still scrolls.
  map.on("focus", function () { map.scrollWheelZoom.enable(); });
  map.on("blur", function () { map.scrollWheelZoom.disable(); });

  if (config.tileUrl) {
    var tiles = L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 18 });
    tiles.once("tileerror", function () {
      tileNote.hidden = false;
      fitFrame();
    });
    tiles.addTo(map);
  }

  function popupContent(row, fields) {
    var box = document.createElement("div");
    box.className = "nakano-map-popup";
    if (config.nameField && row[config.nameField]) {
      var title = document.createElement("strong");
      title.textContent = row[config.nameField];
      box.appendChild(title);
    }
    var list = document.createElement("dl");
    fields.forEach(function (field) {
      var value = row[field.id];
      if (field.id === "_id" || field.id === config.nameField || value === null || value === undefined || value === "") {
        return;
      }
      var term = document.createElement("dt");
      var detail = document.createElement("dd");
      term.textContent = field.id;
      detail.textContent = value;
      list.appendChild(term);
      list.appendChild(detail);
    });
    // A long row scrolls inside the popup: focusable, so keyboards can scroll it too.
    list.tabIndex = 0;
    box.appendChild(list);
    return box;
  }

  function tableRow(row, point, marker) {
    var tr = document.createElement("tr");
    config.tableFields.forEach(function (field, index) {
      var cell = document.createElement(index === 0 ? "th" : "td");
      if (index === 0) { cell.scope = "row"; }
      // The coordinates as drawn (a swapped pair shows in its right columns).
      cell.textContent = field === config.latField ? point.latlng.lat
        : field === config.lonField ? point.latlng.lng
        : (row[field] === null || row[field] === undefined ? "" : row[field]);
      tr.appendChild(cell);
    });
    var cell = document.createElement("td");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm";
    say(button, "地図で見る", "Show on map");
    button.addEventListener("click", function () {
      map.setView(point.latlng, Math.max(map.getZoom(), 16));
      marker.openPopup();
      mapElement.scrollIntoView({ block: "nearest" });
    });
    cell.appendChild(button);
    tr.appendChild(cell);
    return tr;
  }

  function draw(data) {
    var markers = L.featureGroup().addTo(map);
    // SVG keeps each marker an element of the page; past a few thousand, one canvas is faster.
    var renderer = data.rows.length > SVG_LIMIT ? L.canvas() : L.svg();
    var rows = document.createDocumentFragment();
    var skipped = 0;
    var swapped = 0;
    data.rows.forEach(function (row) {
      var point = position(row);
      if (!point) { skipped += 1; return; }
      if (point.swapped) { swapped += 1; }
      var marker = L.circleMarker(point.latlng, { renderer: renderer, radius: 7, weight: 2, color: "#ffffff",
                                                  fillColor: "#005a9c", fillOpacity: 0.9 });
      marker.bindPopup(popupContent(row, data.fields));
      marker.addTo(markers);
      rows.appendChild(tableRow(row, point, marker));
    });
    tbody.appendChild(rows);
    var shown = data.rows.length - skipped;
    if (shown === 1) {
      map.setView(markers.getLayers()[0].getLatLng(), 16);
    } else if (shown > 1) {
      map.fitBounds(markers.getBounds(), { padding: [24, 24], maxZoom: 17 });
    }

    var ja = [];
    var en = [];
    if (shown) {
      ja.push(shown + " 件の地点を地図に表示しています。");
      en.push("Showing " + shown + " points on the map.");
    } else {
      ja.push("地図に表示できる地点がありません。");
      en.push("No row has coordinates that can be shown.");
    }
    if (skipped) {
      ja.push("緯度・経度が空または読めない " + skipped + " 件は除いています。");
      en.push(skipped + " rows without readable coordinates are left out.");
    }
    if (swapped) {
      ja.push("緯度と経度が入れ替わっていた " + swapped + " 件は入れ替えて表示しています。");
      en.push(swapped + " rows had latitude and longitude the wrong way round and are shown corrected.");
    }
    if (data.total > data.rows.length) {
      ja.push("行が多いため、全 " + data.total + " 行のうち先頭の " + data.rows.length + " 行だけを表示しています。");
      en.push("Only the first " + data.rows.length + " of " + data.total + " rows are shown.");
    }
    say(status, ja.join(""), en.join(" "));
    fitFrame();
  }

  fetchRows().then(draw).catch(function (error) {
    say(status, "地点を読み込めませんでした（" + error.message + "）。",
        "The points could not be loaded (" + error.message + ").");
    fitFrame();
  });
}());
