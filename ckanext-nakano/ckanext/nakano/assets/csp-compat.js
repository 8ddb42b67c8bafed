/* CKAN's inline scripts and handlers, moved out of the templates so that every
 * page passes the portal's Content-Security-Policy (script-src 'self', no
 * inline script, no eval: response_policy.py). The overridden templates mark
 * what they need with data-nakano-* attributes; docs/security.md lists them.
 * Runs at the end of the body, before CKAN's modules initialise. */
(function () {
  'use strict';

  // A timer given a string instead of a function is an eval, which the CSP
  // refuses. CKAN 2.12's datatablesview.js calls setTimeout(initFilterObserver(), 100)
  // (the function's result, undefined) on non-English pages; that timer never did
  // anything, so such timers are dropped instead of reported (docs/security.md).
  ['setTimeout', 'setInterval'].forEach(function (name) {
    var original = window[name];
    window[name] = function (handler) {
      if (typeof handler !== 'function') return 0;
      return original.apply(window, arguments);
    };
  });

  // Globals CKAN's view scripts read (datatables_view, text_view), from JSON blocks.
  document.querySelectorAll('script[type="application/json"][data-nakano-global]').forEach(function (el) {
    try {
      window[el.getAttribute('data-nakano-global')] = JSON.parse(el.textContent);
    } catch (error) {
      console.error('data block ' + el.getAttribute('data-nakano-global') + ': ' + error.message);
    }
  });

  // CKAN 2.12's client.getLocaleData turns the page's BCP 47 tag back into a locale
  // with locale.replace('-', '_'): only the first hyphen, so zh-Hans-CN asked for
  // /api/i18n/zh_Hans-CN (400) and CKAN's scripts stayed untranslated in Chinese.
  // Replaced on DOMContentLoaded: this file comes before jQuery and CKAN's scripts, so
  // this listener runs before jQuery's ready handlers (and ckan.initialize).
  document.addEventListener('DOMContentLoaded', function () {
    var client = window.ckan && window.ckan.Client && window.ckan.Client.prototype;
    if (!client || !client.getLocaleData) return;
    var getLocaleData = client.getLocaleData;
    client.getLocaleData = function (locale, success, error) {
      return getLocaleData.call(this, String(locale || '').replace(/-/g, '_'), success, error);
    };
  });

  function byId(id) { return document.getElementById(id); }
  function check(id) { var el = byId(id); if (el) el.checked = true; }

  // The resource form's upload / link / remove buttons (package/snippets/resource_upload_field.html).
  var actions = {
    'choose-upload': function () { check('resource-url-upload'); var f = byId('field-resource-upload'); if (f) f.click(); },
    'choose-link': function () { check('resource-url-link'); var f = byId('field-resource-url'); if (f) f.focus(); },
    'clear-upload': function () { check('field-clear-upload'); var f = byId('field-resource-upload'); if (f) f.focus(); },
    'remove-upload': function (button) {
      check('resource-url-none');
      var field = byId('field-resource-upload');
      if (field) { field.value = ''; }
      var focus = byId(button.getAttribute('data-nakano-focus')); if (focus) focus.focus();
    },
    'remove-url': function (button) {
      check('resource-url-none');
      var field = byId('field-resource-url');
      if (field) field.value = '';
      var focus = byId(button.getAttribute('data-nakano-focus')); if (focus) focus.focus();
    },
    // datatables_view's refit button calls a function of datatablesview.js.
    call: function (button) {
      var fn = window[button.getAttribute('data-nakano-function')];
      if (typeof fn === 'function') fn();
    },
  };

  document.addEventListener('click', function (event) {
    var target = event.target.closest('[data-nakano-action]');
    if (!target) return;
    var name = target.getAttribute('data-nakano-action');
    if (name === 'keep') { event.preventDefault(); return; }   // a read-only checkbox stays as it is
    if (actions[name]) actions[name](target);
  });

  // API tokens page: the revoke button is enabled while a token is ticked.
  function revokeButtonState() {
    var button = byId('revoke-tokens-button');
    if (button) button.disabled = !document.querySelector('[name="token"]:checked');
  }
  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('[name="token"]')) revokeButtonState();
  });
  document.addEventListener('htmx:afterRequest', function (event) {
    if (event.target.matches && event.target.matches('[data-nakano-revoke-form]')) {
      var button = byId('revoke-tokens-button'); if (button) button.disabled = true;
    }
  });
  document.addEventListener('htmx:afterSettle', function () {
    var form = document.querySelector('[data-nakano-scroll-to]');
    var row = form && byId(form.getAttribute('data-nakano-scroll-to'));
    if (row) row.scrollIntoView(false);
  });
}());
