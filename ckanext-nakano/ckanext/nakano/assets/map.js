/* The map view (templates/nakano/map_view.html): the rows of a DataStore table
   with 緯度/経度 columns, fetched from datastore_search and drawn by Leaflet
   (assets/vendor, installed from npm). Every point is also a row of the table
   under the map, so the content does not depend on the map or its tiles.
   Its words come translated from the page (#nakano-map-strings). */
(function () {
  "use strict";
  var source = document.getElementById("nakano-map-config");
  var words = document.getElementById("nakano-map-strings");
  if (!source || !words) { return; }
  var config = JSON.parse(source.textContent);
  var WORDS = JSON.parse(words.textContent);
  var PAGE = 5000;
  var SVG_LIMIT = 2000;
  var NAKANO = [35.7074, 139.6638];  // 中野区役所: where the map starts before the points arrive
  var status = document.getElementById("nakano-map-status");
  var tileNote = document.getElementById("nakano-map-tile-note");
  var tbody = document.querySelector("#nakano-map-points tbody");
  var mapElement = document.getElementById("nakano-map");

  // A sentence of WORDS with its {name} places filled; a sentence with a number
  // has a form for 1 ("one") and one for other numbers ("other").
  function phrase(key, values) {
    var sentence = WORDS[key];
    if (typeof sentence === "object") {
      sentence = values.num === 1 ? sentence.one : sentence.other;
    }
    return sentence.replace(/\{(\w+)\}/g, function (place, name) {
      return Object.prototype.hasOwnProperty.call(values || {}, name) ? String(values[name]) : place;
    });
  }

  // Sentences one after the other: a space after a full stop, none after a
  // CJK one (。), as each language writes them.
  function sentences(list) {
    return list.reduce(function (all, sentence) {
      return all + (all && !/[。！？]$/.test(all) ? " " : "") + sentence;
    }, "");
  }

  function say(element, message) {
    element.textContent = message;
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
    say(status, phrase("cannotShow"));
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
  L.control.zoom({ zoomInTitle: phrase("zoomIn"), zoomOutTitle: phrase("zoomOut") }).addTo(map);
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

  // What a visitor reads first: the name, then where it is; codes and numbers last.
  var ADDRESS = /住所|所在地|方書|設置位置|設置場所|場所/;
  var CODE = /コード|番号|^NO$|^No\.?$|^ID$|^id$|緯度|経度|カナ/;
  function rank(name) {
    return ADDRESS.test(name) ? 0 : CODE.test(name) ? 2 : 1;
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
    fields.filter(function (field) {
      var value = row[field.id];
      return !(field.id === "_id" || field.id === config.nameField || value === null || value === undefined || value === "");
    }).map(function (field, index) {
      return { field: field, index: index };
    }).sort(function (a, b) {
      return (rank(a.field.id) - rank(b.field.id)) || (a.index - b.index);
    }).forEach(function (item) {
      var term = document.createElement("dt");
      var detail = document.createElement("dd");
      term.textContent = item.field.id;
      detail.textContent = row[item.field.id];
      list.appendChild(term);
      list.appendChild(detail);
    });
    // A long row scrolls inside the popup: focusable, so keyboards can scroll it too.
    list.tabIndex = 0;
    box.appendChild(list);
    return box;
  }

  // Wide enough on a 360 px phone that a value never wraps one digit per line,
  // and panned clear of the zoom buttons.
  function popupOptions() {
    var width = Math.max(200, Math.min(320, window.innerWidth - 48));
    return { minWidth: width, maxWidth: width, autoPanPaddingTopLeft: L.point(56, 24),
             autoPanPaddingBottomRight: L.point(16, 16) };
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
    var distance = document.createElement("td");
    distance.className = "nakano-map-distance";
    distance.hidden = true;
    tr.appendChild(distance);
    tr.nakanoPoint = point.latlng;
    var cell = document.createElement("td");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm";
    say(button, phrase("showOnMap"));
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
      marker.bindPopup(popupContent(row, data.fields), popupOptions());
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

    var report = [shown ? phrase("shown", { num: shown }) : phrase("none")];
    if (skipped) {
      report.push(phrase("skipped", { num: skipped }));
    }
    if (swapped) {
      report.push(phrase("swapped", { num: swapped }));
    }
    if (data.total > data.rows.length) {
      report.push(phrase("firstRows", { shown: data.rows.length, total: data.total }));
    }
    say(status, sentences(report));
    fitFrame();
  }

  // 「現在地から近い順」: the browser's position, asked only when the visitor
  // presses the button, used here only (nothing is sent to the server).
  var nearest = document.getElementById("nakano-map-nearest");
  var nearestStatus = document.getElementById("nakano-map-nearest-status");
  function metres(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b.lat - a.lat) * rad;
    var dLon = (b.lng - a.lng) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371000 * Math.asin(Math.sqrt(h));
  }
  function sortByDistance(here) {
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (tr) { tr.nakanoDistance = metres(here, tr.nakanoPoint); });
    rows.sort(function (a, b) { return a.nakanoDistance - b.nakanoDistance; });
    rows.forEach(function (tr) {
      var cell = tr.querySelector(".nakano-map-distance");
      var d = tr.nakanoDistance;
      cell.textContent = d < 1000 ? Math.round(d) + " m" : (d / 1000).toFixed(1) + " km";
      cell.dataset.metres = String(Math.round(d));
      cell.hidden = false;
      tbody.appendChild(tr);
    });
    document.getElementById("nakano-map-distance-head").hidden = false;
    say(nearestStatus, phrase("sorted"));
  }
  if (nearest && navigator.geolocation) {
    nearest.hidden = false;
    nearest.addEventListener("click", function () {
      say(nearestStatus, phrase("locating"));
      navigator.geolocation.getCurrentPosition(function (found) {
        sortByDistance(L.latLng(found.coords.latitude, found.coords.longitude));
      }, function () {
        say(nearestStatus, phrase("noPosition"));
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
    });
  }

  fetchRows().then(draw).catch(function (error) {
    say(status, phrase("loadFailed", { error: error.message }));
    fitFrame();
  });
}());
