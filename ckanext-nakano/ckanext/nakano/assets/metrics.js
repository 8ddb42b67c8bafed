/* Charts of /metrics, drawn by Chart.js (assets/vendor, installed from npm).
   The figures and the legend labels (translated, in the page's language) come
   from the page itself; every chart has a table beside it. */
(function () {
  "use strict";
  var source = document.getElementById("nakano-metrics-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var labels = data.labels || {};
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = reduce ? false : Chart.defaults.animation;
  Chart.defaults.font.family = '"Hiragino Sans", "Noto Sans JP", "Yu Gothic", sans-serif';

  var daily = document.getElementById("nakano-chart-daily");
  if (daily) {
    new Chart(daily, {
      type: "line",
      data: {
        labels: data.daily.map(function (d) { return d.day; }),
        datasets: [
          { label: labels.views, data: data.daily.map(function (d) { return d.view; }),
            borderColor: "#005a9c", backgroundColor: "#005a9c", pointRadius: 0 },
          { label: labels.downloads, data: data.daily.map(function (d) { return d.download; }),
            borderColor: "#b35900", backgroundColor: "#b35900", borderDash: [6, 3], pointRadius: 0 }
        ]
      },
      options: { responsive: true, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
  var top = document.getElementById("nakano-chart-top");
  if (top && data.top.length) {
    new Chart(top, {
      type: "bar",
      data: {
        labels: data.top.map(function (d) { return d.title.length > 24 ? d.title.slice(0, 23) + "…" : d.title; }),
        datasets: [
          { label: labels.views, data: data.top.map(function (d) { return d.views; }), backgroundColor: "#005a9c" },
          { label: labels.downloads, data: data.top.map(function (d) { return d.downloads; }), backgroundColor: "#b35900" }
        ]
      },
      options: { indexAxis: "y", responsive: true, maintainAspectRatio: false,
                 scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }
}());
