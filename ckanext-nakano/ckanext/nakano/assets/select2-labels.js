/* CKAN's select2 widgets (the dataset form's tags and department, the file form's format)
 * give their combobox no accessible name: axe-core's aria-input-field-name, a serious
 * WCAG 2.1 violation on the clerk's forms. Each widget is named by the label of the field
 * it replaces, as soon as select2 draws it (select2 4 sets aria-labelledby only to the
 * chosen value, which is empty until something is chosen). */
(function () {
  'use strict';

  function labelFor(container) {
    var original = container.previousElementSibling;
    if (!original || !original.id) return null;
    var label = document.querySelector('label[for="' + original.id + '"]');
    if (!label) return null;
    if (!label.id) label.id = 'nakano-label-' + original.id;
    return label;
  }

  function named(element, label) {
    var own = (element.getAttribute('aria-labelledby') || '').split(/\s+/).filter(function (id) {
      return id && id !== label.id && id !== element.id;
    });
    element.setAttribute('aria-labelledby', [label.id].concat(own).join(' '));
  }

  function name(root) {
    // The combobox, and the text box select2 shows the choice in (role="textbox").
    root.querySelectorAll('.select2-container .select2-selection, .select2-container .select2-selection__rendered[role]')
      .forEach(function (element) {
        var label = labelFor(element.closest('.select2-container'));
        if (label) named(element, label);
      });
  }

  new MutationObserver(function () { name(document); }).observe(document.documentElement,
    { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', function () { name(document); });
})();
