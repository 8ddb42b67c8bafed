/* The chart builder's extras (templates/nakano/charts/builder.html): the chart as a PNG, drawn
   from the page's own SVG onto a canvas (twice its size, for print), and the buttons that copy
   the chart's link and embed code. The page works without them: the SVG and CSV are links,
   and the link and code can be selected and copied by hand. */
(function () {
  "use strict";

  var png = document.getElementById("chart-png");
  if (png && window.HTMLCanvasElement && window.XMLSerializer) {
    png.hidden = false;
    png.addEventListener("click", function () {
      var svg = document.querySelector(png.getAttribute("data-svg"));
      if (!svg) { return; }
      var box = svg.viewBox.baseVal;
      var width = svg.width.baseVal.value || box.width, height = svg.height.baseVal.value || box.height;
      var text = new XMLSerializer().serializeToString(svg);
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(width * 2);
        canvas.height = Math.round(height * 2);
        var context = canvas.getContext("2d");
        context.fillStyle = "#ffffff";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          var link = document.createElement("a");
          link.href = URL.createObjectURL(blob);
          link.download = png.getAttribute("data-name") || "chart.png";
          document.body.appendChild(link);
          link.click();
          setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
        }, "image/png");
      };
      // A data: address: the page's policy allows images from data:, not from blob:.
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }

  var status = document.getElementById("chart-copied");
  Array.prototype.forEach.call(document.querySelectorAll(".nakano-copy"), function (button) {
    if (!navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.querySelector(button.getAttribute("data-copy"));
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-done") || ""; }
      }, function () { field.select(); });
    });
  });
}());
