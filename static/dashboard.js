/* The dashboard's daily chart (Chart.js, served from static/vendor). Data comes from a JSON
 * script tag in the page, so no inline script is needed and a table carries the same numbers. */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("daily-chart");
    var source = document.getElementById("daily-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels.map(function (d) { return d.slice(5); }),
        datasets: [
          { label: "Orders exported", data: data.exported, backgroundColor: "#3c64f4" },
          { label: "Failures", data: data.failed, backgroundColor: "#c4331f" }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
