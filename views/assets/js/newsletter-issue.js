// The issue page: switches the preview's language, and while the issue is sending, asks for its
// progress every second, moves the bar and redraws the recipient list; when the send ends or pauses,
// the page is loaded again.
(function () {
  var tabs = Array.prototype.slice.call(document.querySelectorAll('a[data-preview-lang]'));
  tabs.forEach(function (tab) {
    tab.addEventListener('click', function () {
      tabs.forEach(function (t) { if (t === tab) t.setAttribute('aria-current', 'true'); else t.removeAttribute('aria-current'); });
    });
  });

  var box = document.getElementById('nl-progress');
  if (!box || !box.dataset.poll) return;
  var bar = document.getElementById('nl-progress-bar');
  var format = new Intl.NumberFormat('ja-JP');
  var failures = 0;

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + '%';
    ['sent', 'failed', 'skipped', 'remaining', 'total'].forEach(function (name) {
      var el = box.querySelector('[data-figure="' + name + '"]');
      if (el) el.textContent = format.format(p[name]);
    });
    var percent = box.querySelector('[data-figure="percent"]');
    if (percent) percent.textContent = p.percent + '%';
  }

  // The recipient list: the page being looked at is drawn again from the same answer, so each row's
  // status (queued → sent, failed, skipped) changes as the bar moves.
  var list = document.getElementById('nl-deliveries-body');
  var headings = list ? Array.prototype.map.call(list.closest('table').querySelectorAll('thead th'), function (th) { return th.textContent; }) : [];

  function cell(row, label, className, content) {
    var td = document.createElement('td');
    td.className = className;
    td.setAttribute('data-label', label);
    if (content) td.appendChild(content); else td.textContent = '–';
    row.appendChild(td);
    return td;
  }

  function text(value, className) {
    var span = document.createElement('span');
    if (className) span.className = className;
    span.textContent = value;
    return span;
  }

  function showDeliveries(d) {
    if (!list || !d) return;
    var counts = document.querySelectorAll('[data-filter-count]');
    Array.prototype.forEach.call(counts, function (el, i) { if (d.counts[i] !== undefined) el.textContent = format.format(d.counts[i]); });
    if (d.rows.length === 0) return;
    var fragment = document.createDocumentFragment();
    d.rows.forEach(function (r) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-delivery-status', r.status);
      tr.setAttribute('data-delivery-id', String(r.id));
      var link = document.createElement('a');
      link.href = '/admin/supporters/' + encodeURIComponent(r.supporterId);
      link.textContent = r.name;
      cell(tr, headings[0], 'nl-d-name', link);
      cell(tr, headings[1], 'nl-d-email', text(r.email));
      cell(tr, headings[2], 'nl-d-lang', text(r.language));
      var status = document.createElement('span');
      status.appendChild(text(r.statusLabel, 'nl-dstatus nl-dstatus--' + r.status));
      if (r.attempts) { status.appendChild(document.createTextNode(' ')); status.appendChild(text(r.attempts, 'muted')); }
      cell(tr, headings[3], 'nl-d-status', status);
      cell(tr, headings[4], 'nl-d-when', r.sentAt ? text(r.sentAt) : null);
      cell(tr, headings[5], 'nl-d-reason' + (r.reason ? '' : ' nl-d-reason--none'), r.reason ? text(r.reason) : null);
      fragment.appendChild(tr);
    });
    list.replaceChildren(fragment);
  }

  // The list's filter and page survive the reload; a one-off notice (?started=1) does not.
  function keptQuery() {
    var kept = new URLSearchParams();
    new URLSearchParams(location.search).forEach(function (value, key) { if (key === 'status' || key === 'page') kept.set(key, value); });
    var q = kept.toString();
    return q ? '?' + q : '';
  }

  function poll() {
    fetch(box.dataset.url + location.search, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.json(); })
      .then(function (p) {
        failures = 0;
        show(p);
        showDeliveries(p.deliveries);
        // Another status shows other buttons (resume, re-send, archive): the page is drawn again.
        if (p.status !== box.dataset.status) return setTimeout(function () { location.replace(location.pathname + keptQuery()); }, 1200);
        setTimeout(poll, 1000);
      })
      .catch(function () { failures += 1; if (failures < 30) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
