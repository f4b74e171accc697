// Gives every cell of a table the name of its column (data-label), which phones show beside the
// value once the table is stacked into rows (tables.css). Cells that already have a label keep it.
(function () {
  for (const table of document.querySelectorAll('table.table')) {
    const heads = [...table.querySelectorAll('thead tr:last-child th')];
    if (heads.length === 0) continue;
    for (const row of table.querySelectorAll('tbody tr, tfoot tr')) {
      let column = 0;
      for (const cell of row.children) {
        const head = heads[column];
        if (head && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', head.textContent.trim());
        column += Number(cell.getAttribute('colspan') || 1);
      }
    }
  }
})();
