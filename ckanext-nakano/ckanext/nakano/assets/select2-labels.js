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

  function name(root) {
    root.querySelectorAll('.select2-container .select2-selection').forEach(function (selection) {
      var label = labelFor(selection.closest('.select2-container'));
      if (!label) return;
      var own = (selection.getAttribute('aria-labelledby') || '').split(/\s+/).filter(function (id) {
        return id && id !== label.id;
      });
      selection.setAttribute('aria-labelledby', [label.id].concat(own).join(' '));
    });
  }

  new MutationObserver(function () { name(document); }).observe(document.documentElement,
    { childList: true, subtree: true });
  document.addEventListener('DOMContentLoaded', function () { name(document); });
})();
