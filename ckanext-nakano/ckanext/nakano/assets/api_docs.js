/* /api/docs: Swagger UI on the portal's OpenAPI document (the page's language:
   data-spec-url ends in ?lang=ja|en). Swagger UI has no translations of its
   own words; on Japanese pages the few that a reader meets are replaced as
   they are drawn. The plain listing stays when the script cannot run. */
(function () {
  'use strict';
  var root = document.getElementById('nakano-api-ui');
  if (!root || typeof window.SwaggerUIBundle !== 'function') {
    return;
  }
  var JA = {
    'Try it out': '試してみる', 'Cancel': 'キャンセル', 'Execute': '実行', 'Clear': '消去',
    'Parameters': 'パラメータ', 'Responses': '応答', 'Response': '応答', 'Name': '名前',
    'Description': '説明', 'Code': 'コード', 'Links': 'リンク', 'No links': 'リンクなし',
    'Example Value': '例', 'Schema': 'スキーマ', 'Schemas': 'スキーマ', 'Server response': 'サーバーの応答',
    'Response body': '応答の本文', 'Response headers': '応答ヘッダー', 'Request URL': 'リクエスト URL',
    'Download': 'ダウンロード', 'Servers': 'サーバー', 'Authorize': 'トークンを設定', 'Media type': 'メディアタイプ',
    'No parameters': 'パラメータはありません', 'Details': '詳細', 'Loading...': '読み込み中…',
    'required': '必須', 'Controls Accept header.': 'Accept ヘッダーを決めます。',
    'Duration': '所要時間', 'Undocumented': '説明なし', 'Available authorizations': '使える認証',
    'Close': '閉じる', 'Logout': '解除', 'Value:': '値:', 'Example': '例', 'Examples': '例'
  };

  function translate(node) {
    var walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    var text;
    while ((text = walker.nextNode())) {
      var key = text.nodeValue.trim();
      if (Object.prototype.hasOwnProperty.call(JA, key)) {
        text.nodeValue = text.nodeValue.replace(key, JA[key]);
      }
    }
  }

  var SERVER_LABEL = root.getAttribute('data-lang') === 'en' ? 'Server' : 'サーバー';

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

  var japanese = root.getAttribute('data-lang') === 'ja';
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === 'characterData') {
          if (japanese) {
            translate(change.target.parentNode || root);
          }
          return;
        }
        change.addedNodes.forEach(function (added) {
          var element = added.nodeType === 1 ? added : added.parentNode;
          if (!element) {
            return;
          }
          if (japanese) {
            translate(element);
          }
          accessible(element);
        });
      });
    }).observe(root, {childList: true, subtree: true, characterData: true});
  }
}());
