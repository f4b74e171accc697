// After a download starts, asks the server how the export ended and shows the replaced characters.
(function () {
  var link = document.getElementById('export-download');
  var box = document.getElementById('export-report');
  if (!link || !box) return;
  var run = new URL(link.href, location.href).searchParams.get('run');
  if (!run) return;

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function show(result) {
    box.textContent = '';
    var rows = String(result.rowCount);
    if (!result.replacements.length) {
      box.appendChild(cell('p', box.dataset.none.replace('{rows}', rows)));
      return;
    }
    box.appendChild(cell('p', box.dataset.some.replace('{rows}', rows)));
    var table = document.createElement('table');
    table.className = 'table';
    var head = document.createElement('tr');
    ['char', 'replacement', 'count', 'example'].forEach(function (k) { var th = cell('th', box.dataset[k]); th.scope = 'col'; head.appendChild(th); });
    table.appendChild(document.createElement('thead')).appendChild(head);
    var body = table.appendChild(document.createElement('tbody'));
    result.replacements.forEach(function (r) {
      var tr = document.createElement('tr');
      [r.char + ' (' + r.codePoint + ')', r.replacement, String(r.count), r.example].forEach(function (v) { tr.appendChild(cell('td', v)); });
      body.appendChild(tr);
    });
    var wrap = document.createElement('div');
    wrap.className = 'table-wrap';
    wrap.appendChild(table);
    box.appendChild(wrap);
  }

  function poll(tries) {
    fetch('/admin/exports/runs/' + encodeURIComponent(run), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (result) {
        if (result && result.status !== 'running') return show(result);
        if (tries > 0) setTimeout(function () { poll(tries - 1); }, 1000);
      })
      .catch(function () { if (tries > 0) setTimeout(function () { poll(tries - 1); }, 2000); });
  }

  link.addEventListener('click', function () {
    box.hidden = false;
    box.textContent = box.dataset.waiting;
    setTimeout(function () { poll(600); }, 500);
  });
})();
