// Export page: move each running job's progress bar by polling its small JSON status view;
// when a job finishes, reload so the list shows the download link and the time it took.
(function () {
  "use strict";
  const POLL_MS = 1500;

  function show(bar, progress) {
    const inner = bar.querySelector(".progress-bar");
    inner.style.width = progress + "%";
    inner.textContent = progress + "%";
    bar.setAttribute("aria-valuenow", String(progress));
  }

  function poll(bar) {
    const label = bar.parentElement.querySelector(".js-export-label");
    fetch(bar.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((job) => {
        show(bar, job.progress);
        if (label) label.textContent = job.label;
        if (job.status === "done" || job.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(() => poll(bar), POLL_MS);
        }
      })
      .catch(() => window.setTimeout(() => poll(bar), POLL_MS * 4));
  }

  document.querySelectorAll(".js-export-progress").forEach((bar) => {
    show(bar, Number(bar.getAttribute("aria-valuenow")) || 0);
    poll(bar);
  });
})();
