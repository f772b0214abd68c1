// Bulk pages: a "check all" box per form, and a live count of the places left as boxes are ticked.
// The server checks the places again; this only tells the user before they submit.
document.querySelectorAll("form.js-bulk").forEach((form) => {
  const boxes = () => Array.from(form.querySelectorAll('input[type="checkbox"][name="ids"]'));
  const places = form.querySelector(".js-places");
  const text = form.querySelector(".js-chosen-text");
  const update = () => {
    if (!text) {
      return;
    }
    const n = boxes().filter((box) => box.checked).length;
    const raw = places ? places.getAttribute("data-places-left") : null;
    if (raw === null) {
      text.textContent = text.dataset.template.replace("{n}", n);
      return;
    }
    const left = parseInt(raw, 10) - n;
    const over = left < 0;
    text.textContent = (over ? text.dataset.overTemplate : text.dataset.leftTemplate)
      .replace("{n}", n)
      .replace("{left}", left)
      .replace("{over}", -left);
    text.classList.toggle("text-danger", over);
    text.classList.toggle("fw-bold", over);
  };
  form.querySelectorAll(".js-check-all").forEach((all) => {
    all.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = all.checked;
      });
      update();
    });
  });
  form.addEventListener("change", update);
  update();
});
document.querySelectorAll(".js-print").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
