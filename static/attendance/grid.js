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
// 请假 asks for a 事由: the row's note becomes required while 请假 is chosen (the server checks too).
function markLeave(radio) {
  const row = radio.closest("tr");
  const note = row && row.querySelector(".grid-note");
  if (!note) {
    return;
  }
  const leave = row.querySelector('input[type="radio"][value="leave"]');
  const needed = Boolean(leave && leave.checked);
  note.required = needed;
  note.placeholder = needed ? note.dataset.leaveHint : note.dataset.noteHint;
}
document.addEventListener("change", (event) => {
  if (event.target.matches('.attendance-grid input[type="radio"]')) {
    markLeave(event.target);
  }
});
document.querySelectorAll('.attendance-grid input[type="radio"][value="leave"]:checked').forEach(markLeave);
