// The issue page: switches the preview's language, and while the issue is sending, asks for its
// progress every second and moves the bar; when the send ends or pauses, the page is loaded again.
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

  function poll() {
    fetch(box.dataset.url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.json(); })
      .then(function (p) {
        failures = 0;
        show(p);
        // Another status shows other buttons (resume, re-send, archive): the page is drawn again.
        if (p.status !== box.dataset.status) return setTimeout(function () { location.replace(location.pathname); }, 1200);
        setTimeout(poll, 1000);
      })
      .catch(function () { failures += 1; if (failures < 30) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
