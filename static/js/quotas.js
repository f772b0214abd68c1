// The quota page's running total (templates/programs/quota_form.html): the places typed so far
// against the places there are, updated as each number changes.
(function () {
  const form = document.querySelector("form.js-quota-form");
  if (!form) {
    return;
  }
  const places = parseInt(form.dataset.places, 10) || 0;
  const total = document.getElementById("quota-total");
  const left = document.getElementById("quota-left");
  const over = document.getElementById("quota-over");
  function update() {
    let sum = 0;
    form.querySelectorAll("input.js-quota").forEach((input) => {
      const value = parseInt(input.value, 10);
      if (!Number.isNaN(value) && value > 0) {
        sum += value;
      }
    });
    total.textContent = sum.toLocaleString("zh-CN");
    left.textContent = (places - sum).toLocaleString("zh-CN");
    over.classList.toggle("d-none", sum <= places);
  }
  form.addEventListener("input", update);
  update();
})();
