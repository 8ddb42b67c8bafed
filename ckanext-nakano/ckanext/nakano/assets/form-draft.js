/* What a person typed into a submission form (/request/new, /showcase/new and edits) is kept
   in this tab's sessionStorage while they type, and written back when they come back to the
   form empty: after following the form's 「ログイン」 link, after going Back from a suggested
   dataset, after a reload. Only text fields, text areas and selects; never a password, a
   file, a hidden field or the honeypot; the draft is dropped when the form is sent. Without
   this script the form works the same. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-nakano-draft]");
  if (!forms.length || !window.sessionStorage) { return; }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      var type = (field.type || "").toLowerCase();
      return field.name && !field.closest("[data-draft-skip]") &&
        (field.tagName === "TEXTAREA" || field.tagName === "SELECT" ||
         ["text", "email", "url", "search", "month", "number"].indexOf(type) >= 0);
    });
  }

  Array.prototype.forEach.call(forms, function (form) {
    // One draft per form, whatever the page's language prefix (/en/request/new = /request/new).
    var key = "nakano-draft:" + form.getAttribute("data-nakano-draft").replace(/^\/[a-z]{2,3}(_[A-Za-z0-9]+)*(?=\/)/, "");
    var saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
    fields(form).forEach(function (field) {
      if (!field.value && typeof saved[field.name] === "string" && saved[field.name]) {
        field.value = saved[field.name];
        if (field.tagName === "SELECT" && field.value !== saved[field.name]) { field.value = ""; }
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });

    function keep() {
      var draft = {};
      fields(form).forEach(function (field) { if (field.value) { draft[field.name] = field.value; } });
      try { sessionStorage.setItem(key, JSON.stringify(draft)); } catch (e) { /* storage full or off: no draft */ }
    }
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
    form.addEventListener("submit", function () { sessionStorage.removeItem(key); });
  });
}());
