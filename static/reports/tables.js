// Sortable report tables: a click on a header button sorts the rows by that column (numbers as
// numbers, blanks last); a second click reverses. No inline script (the content security policy).
(function () {
  "use strict";
  document.querySelectorAll("table.js-sortable").forEach((table) => {
    const body = table.tBodies[0];
    table.querySelectorAll("button.js-sort").forEach((button, column) => {
      button.addEventListener("click", () => {
        const numeric = button.dataset.kind !== "text";
        const descending = button.dataset.order !== "desc";
        table.querySelectorAll("button.js-sort").forEach((b) => {
          delete b.dataset.order;
          b.closest("th").removeAttribute("aria-sort");
        });
        button.dataset.order = descending ? "desc" : "asc";
        button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
        const rows = Array.from(body.rows).filter((row) => row.cells.length > column);
        const key = (row) => row.cells[column].dataset.sort ?? row.cells[column].textContent.trim();
        rows.sort((a, b) => {
          const x = key(a);
          const y = key(b);
          if (x === "" || y === "") return x === y ? 0 : x === "" ? 1 : -1;
          const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
          return descending ? -order : order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  });
})();
