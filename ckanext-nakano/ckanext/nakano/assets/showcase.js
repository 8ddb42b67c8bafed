/* The dataset picker of the reuse form (templates/nakano/showcase/form.html).
   Without this script the form still works: dataset names or addresses are typed into
   its text field. With it, a search field asks the portal's package_search as one
   types, and each dataset found is a checkbox; ticking one adds it to the chosen
   datasets (checkboxes named "datasets", which the form sends). Nothing moves under
   the keyboard's focus, and each change is said in the status line (role="status").
   Its words come translated from the page (#nakano-picker-strings). */
(function () {
  "use strict";
  var picker = document.getElementById("datasets-picker");
  var words = document.getElementById("nakano-picker-strings");
  var chosen = document.getElementById("datasets-chosen");
  if (!picker || !words || !chosen || !window.fetch) { return; }
  var WORDS = JSON.parse(words.textContent);
  var input = document.getElementById("datasets-search");
  var status = document.getElementById("datasets-search-status");
  var results = document.getElementById("datasets-results");
  var url = picker.getAttribute("data-search-url");
  var ROWS = 10;
  var WAIT_MS = 250;   // after the last key, so that typing a word asks once
  var timer = null;
  var asked = 0;       // the latest search; an older answer arriving late is dropped
  var made = 0;        // for unique element ids

  function say(text) { status.textContent = text; }

  function fill(sentence, values) {
    return sentence.replace(/\{(\w+)\}/g, function (place, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : place;
    });
  }

  function chosenBox(name) {
    var boxes = chosen.querySelectorAll('input[name="datasets"]');
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value === name) { return boxes[i]; }
    }
    return null;
  }

  // A checkbox with its label; ``title`` is set as text, never as HTML.
  function item(name, title, checked, prefix) {
    made += 1;
    var li = document.createElement("li");
    li.className = "form-check";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input";
    box.id = prefix + made;
    box.value = name;
    box.checked = checked;
    var label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = box.id;
    var text = document.createElement("span");
    text.lang = "ja";
    text.textContent = title;
    label.appendChild(text);
    li.appendChild(box);
    li.appendChild(label);
    return li;
  }

  function choose(name, title, on) {
    var box = chosenBox(name);
    if (!box && on) {
      var li = item(name, title, true, "dataset-chosen-js-");
      li.querySelector("input").name = "datasets";
      chosen.appendChild(li);
    } else if (box) {
      box.checked = on;
    }
    if (on) { say(fill(WORDS.added, {title: title})); }
  }

  function show(found) {
    results.textContent = "";
    found.forEach(function (dataset) {
      var title = dataset.title || dataset.name;
      var existing = chosenBox(dataset.name);
      var li = item(dataset.name, title, Boolean(existing && existing.checked), "dataset-found-");
      li.querySelector("input").addEventListener("change", function (event) {
        choose(dataset.name, title, event.target.checked);
      });
      results.appendChild(li);
    });
    if (!found.length) {
      say(WORDS.none);
    } else {
      say(fill(found.length === 1 ? WORDS.found.one : WORDS.found.other, {num: found.length}));
    }
  }

  function search() {
    var q = input.value.trim();
    asked += 1;
    var mine = asked;
    if (!q) {
      results.textContent = "";
      say("");
      return;
    }
    say(WORDS.searching);
    var address = url + "?q=" + encodeURIComponent(q) + "&rows=" + ROWS;
    fetch(address, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) {
        if (mine !== asked) { return; }
        show((body.result && body.result.results) || []);
      })
      .catch(function () {
        if (mine === asked) { say(WORDS.failed); }
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, WAIT_MS);
  });
  input.addEventListener("keydown", function (event) {
    // Enter searches now; it does not send the form half filled.
    if (event.key === "Enter") {
      event.preventDefault();
      window.clearTimeout(timer);
      search();
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      search();
    }
  });
  picker.hidden = false;
}());
