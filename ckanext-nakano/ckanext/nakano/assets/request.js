/* データ要望 form (/request/new): while the title is typed, show what the portal already has
   (datasets, items of the data inventory with their status, requests already sent) under it, from
   /request/suggest (data_requests/pages.py). The texts come from the page's data attributes
   (translated there); results are written as text, never as HTML. Without this script the
   form works the same. */
(function () {
  "use strict";
  var box = document.getElementById("request-suggestions");
  var title = document.getElementById("field-title");
  if (!box || !title || !window.fetch) { return; }
  var list = document.getElementById("request-suggestions-list");
  var status = document.getElementById("request-suggestions-status");
  var DELAY = 250;        // ms after the last key
  var MIN_LENGTH = 2;
  var timer = null;
  // What the page already shows (the server's suggestions for a title given in the link).
  var asked = list.querySelector("a") ? title.value.trim() : "";
  var controller = null;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }

  function link(entry) {
    return el("a", entry.title, { href: entry.url });
  }

  function draw(data) {
    list.textContent = "";
    var datasets = data.datasets || [];
    var items = data.items || [];
    var requests = data.requests || [];
    if (!datasets.length && !items.length && !requests.length) {
      status.textContent = box.dataset.none;
      return;
    }
    status.textContent = box.dataset.found.replace("{datasets}", datasets.length).replace("{items}", items.length)
      .replace("{requests}", requests.length);
    list.appendChild(el("p", box.dataset.intro, { "class": "nakano-suggestions-intro" }));
    if (datasets.length) {
      list.appendChild(el("h2", box.dataset.datasets, { "class": "h6" }));
      var ul = el("ul", "", { "class": "nakano-suggestions-datasets" });
      datasets.forEach(function (d) {
        var li = el("li");
        li.appendChild(link(d));
        ul.appendChild(li);
      });
      list.appendChild(ul);
    }
    if (items.length) {
      list.appendChild(el("h2", box.dataset.items, { "class": "h6" }));
      var ol = el("ul", "", { "class": "nakano-suggestions-items" });
      items.forEach(function (i) {
        var li = el("li");
        li.appendChild(link(i));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", "(" + i.department + ")", { "class": "nakano-muted" }));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", i.status_label, { "class": "badge nakano-status-" + i.status }));
        if (i.detail) { li.appendChild(document.createTextNode(" " + i.detail)); }
        (i.datasets || []).forEach(function (d) {
          li.appendChild(el("br"));
          li.appendChild(link(d));
        });
        if (i.status !== "open_data") {
          li.appendChild(el("br"));
          li.appendChild(el("a", box.dataset.ask, { href: i.request_url, "class": "small" }));
        }
        ol.appendChild(li);
      });
      list.appendChild(ol);
    }
    if (requests.length) {
      list.appendChild(el("h2", box.dataset.requests, { "class": "h6" }));
      var rl = el("ul", "", { "class": "nakano-suggestions-requests" });
      requests.forEach(function (r) {
        var li = el("li");
        li.appendChild(link(r));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", r.status_label, { "class": "badge nakano-request-" + r.status }));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(el("span", box.dataset.supporters.replace("{num}", r.supporters), { "class": "nakano-muted" }));
        rl.appendChild(li);
      });
      list.appendChild(rl);
    }
  }

  function ask() {
    var q = title.value.trim();
    if (q === asked) { return; }
    asked = q;
    if (controller) { controller.abort(); }
    if (q.length < MIN_LENGTH) {
      list.textContent = "";
      status.textContent = "";
      return;
    }
    controller = window.AbortController ? new AbortController() : null;
    var url = box.dataset.url + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" },
                 signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && title.value.trim() === q) { draw(data); } })
      .catch(function () { /* aborted by a newer key, or offline: the form still works */ });
  }

  if (!asked && title.value.trim()) { ask(); }

  title.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY);
  });

  // Arrow down from the title to the suggestions, up and down among them, Escape back.
  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
  title.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && links().length) {
      event.preventDefault();
      links()[0].focus();
    }
  });
  list.addEventListener("keydown", function (event) {
    var all = links();
    var at = all.indexOf(document.activeElement);
    if (at < 0) { return; }
    if (event.key === "ArrowDown" && at < all.length - 1) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? all[at - 1] : title).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      title.focus();
    }
  });
})();
