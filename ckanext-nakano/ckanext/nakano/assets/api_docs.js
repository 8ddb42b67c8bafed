/* /api/docs: Swagger UI on the portal's OpenAPI document (the page's language:
   data-spec-url ends in ?lang=ja|en). Swagger UI has no translations of its
   own words; the page gives those a reader meets in its language
   (#nakano-api-words: Swagger UI's English → the page's), and they are
   replaced as they are drawn. The plain listing stays when the script cannot run. */
(function () {
  'use strict';
  var root = document.getElementById('nakano-api-ui');
  if (!root || typeof window.SwaggerUIBundle !== 'function') {
    return;
  }
  var source = document.getElementById('nakano-api-words');
  var WORDS = source ? JSON.parse(source.textContent) : {};
  // Only the words that read otherwise in the page's language (none on English pages).
  var translated = Object.keys(WORDS).some(function (word) { return WORDS[word] !== word; });

  function translate(node) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    var text;
    while ((text = walker.nextNode())) {
      var key = text.nodeValue.trim();
      if (Object.prototype.hasOwnProperty.call(WORDS, key) && WORDS[key] !== key) {
        text.nodeValue = text.nodeValue.replace(key, WORDS[key]);
      }
    }
  }

  var SERVER_LABEL = root.getAttribute('data-server-label') || 'Server';

  /* What Swagger UI draws without: a name for its server list, and keyboard
     access to the code blocks that scroll (WCAG 4.1.2, 2.1.1). */
  function accessible(node) {
    if (!node.querySelectorAll) {
      return;
    }
    node.querySelectorAll('select#servers:not([aria-label])').forEach(function (select) {
      select.setAttribute('aria-label', SERVER_LABEL);
    });
    node.querySelectorAll('pre:not([tabindex]), .highlight-code > .microlight:not([tabindex])').forEach(function (block) {
      block.setAttribute('tabindex', '0');
    });
  }

  window.SwaggerUIBundle({
    url: root.getAttribute('data-spec-url'),
    domNode: root,
    // No call to the public validator service: the page talks to the portal only.
    validatorUrl: null,
    supportedSubmitMethods: ['get'],
    defaultModelsExpandDepth: -1,
    displayRequestDuration: true,
    // Plain code blocks: the highlighter's colours fall below 4.5:1 on its dark background.
    syntaxHighlight: {activated: false},
    onComplete: function () {
      var listing = document.getElementById('nakano-api-static');
      if (listing) {
        listing.hidden = true;
      }
      root.setAttribute('data-ready', 'true');
    }
  });

  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === 'characterData') {
          if (translated) {
            translate(change.target.parentNode || root);
          }
          return;
        }
        change.addedNodes.forEach(function (added) {
          var element = added.nodeType === 1 ? added : added.parentNode;
          if (!element) {
            return;
          }
          if (translated) {
            translate(element);
          }
          accessible(element);
        });
      });
    }).observe(root, {childList: true, subtree: true, characterData: true});
  }
}());
