// Attendance grid: the "全部出勤" shortcut (kept out of the page: the CSP forbids inline scripts).
document.addEventListener("click", (event) => {
  const button = event.target.closest(".js-all-present");
  if (!button) {
    return;
  }
  const form = button.closest("form");
  form.querySelectorAll('input[type="radio"][value="present"]:not(:disabled)').forEach((radio) => {
    radio.checked = true;
  });
});
