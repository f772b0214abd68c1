// Import check page: move the progress bar by polling the upload's JSON status; when the check is
// done, go to the preview.
(function () {
  "use strict";
  const POLL_MS = 1000;
  const bar = document.querySelector(".js-import-progress");
  if (!bar) return;

  function show(progress) {
    const inner = bar.querySelector(".progress-bar");
    inner.style.width = progress + "%";
    inner.textContent = progress + "%";
    bar.setAttribute("aria-valuenow", String(progress));
  }

  function poll() {
    fetch(bar.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((upload) => {
        show(upload.progress);
        if (upload.status === "parsing") {
          window.setTimeout(poll, POLL_MS);
        } else {
          window.location.assign(upload.preview);
        }
      })
      .catch(() => window.setTimeout(poll, POLL_MS * 4));
  }

  show(Number(bar.getAttribute("aria-valuenow")) || 0);
  poll();
})();
