// Small behaviours without inline scripts (the content security policy forbids them).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
    el.form.submit();
  }
});
// Lists read as cards on a phone (see app.css): each cell is labelled with its column's header,
// unless the template labelled it itself.
document.querySelectorAll("main table.table:not(.table-grid)").forEach((table) => {
  const heads = Array.from(table.querySelectorAll("thead tr:last-child th")).map((th) => th.textContent.trim());
  if (!heads.length) {
    return;
  }
  table.querySelectorAll("tbody tr, tfoot tr").forEach((row) => {
    let column = 0;
    Array.from(row.children).forEach((cell) => {
      const span = cell.colSpan || 1;
      if (span === 1 && heads[column] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", heads[column]);
      }
      column += span;
    });
  });
});
