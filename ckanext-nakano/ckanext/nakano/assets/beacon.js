/* Tells the portal what only the browser sees: a resource preview shown on
   screen, a click on a resource's external URL. Nothing is sent when the
   browser asks not to be tracked (Do Not Track, Global Privacy Control). */
(function () {
  "use strict";
  if (navigator.doNotTrack === "1" || navigator.globalPrivacyControl === true || !navigator.sendBeacon) { return; }
  var match = window.location.pathname.match(/\/resource\/([0-9a-f-]{36})/);
  if (!match) { return; }
  var resource = match[1];
  function send(type) {
    navigator.sendBeacon("/_nakano/event", new Blob([JSON.stringify({ type: type, resource: resource })],
                                                     { type: "application/json" }));
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.resource-url-analytics");
    if (link && link.host && link.host !== window.location.host) { send("outbound"); }
  });
  var view = document.querySelector(".resource-view iframe, .resource-view .data-viewer-info");
  if (view && "IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { send("preview"); observer.disconnect(); }
    });
    observer.observe(view);
  }
}());
