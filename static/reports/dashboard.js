// Dashboard charts: each canvas carries its series as JSON in data-series (no script element on the
// page), drawn with the locally served Chart.js.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  const percent = (value) => (value === null ? "—" : (value * 100).toFixed(1) + "%");

  document.querySelectorAll("canvas.js-chart").forEach((canvas) => {
    const chart = JSON.parse(canvas.dataset.series);
    if (chart.labels.length === 0) {
      const note = document.createElement("p");
      note.className = "text-muted small my-4 text-center";
      note.textContent = canvas.dataset.empty;
      canvas.replaceWith(note);
      return;
    }
    const isPercent = canvas.dataset.percent === "1";
    const stacked = canvas.dataset.stacked === "1";
    new Chart(canvas, {
      type: canvas.dataset.kind || "bar",
      data: { labels: chart.labels, datasets: chart.datasets },
      options: {
        responsive: true,
        plugins: {
          legend: { display: chart.datasets.length > 1 },
          tooltip: isPercent ? { callbacks: { label: (ctx) => ctx.dataset.label + "：" + percent(ctx.raw) } } : {},
        },
        scales: {
          x: { stacked: stacked },
          y: {
            stacked: stacked,
            beginAtZero: true,
            max: isPercent ? 1 : undefined,
            ticks: isPercent ? { callback: (value) => percent(value) } : { precision: 0 },
          },
        },
      },
    });
  });
})();
