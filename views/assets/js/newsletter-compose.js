// The compose form: a live preview of the email as received (posted into the sandboxed frame while
// typing, debounced), character counts, and the audience's size as it is chosen.
(function () {
  var form = document.getElementById('nl-compose');
  if (!form) return;
  var tabs = Array.prototype.slice.call(document.querySelectorAll('button[data-preview-lang]'));
  var current = 'ja';
  var previewTimer;

  // Each refresh posts into a new frame, shown once it has loaded: leaving a frame's initial blank page
  // adds no history entry, so typing never fills the Back button, and the old preview stays until then.
  var shown = document.getElementById('nl-preview-frame');
  var latest = 0;
  function refreshPreview() {
    var button = tabs.filter(function (b) { return b.dataset.previewLang === current; })[0];
    if (!button || !shown || !form.requestSubmit) return;
    latest += 1;
    var mine = latest;
    var next = document.createElement('iframe');
    next.name = 'nl-preview-frame-' + mine;
    next.className = shown.className;
    next.title = shown.title;
    next.setAttribute('sandbox', shown.getAttribute('sandbox'));
    next.hidden = true;
    // Inserted without a source, the frame's blank page loads at once; the listener below hears the preview.
    shown.parentNode.appendChild(next);
    next.addEventListener('load', function () {
      if (next === shown) return;
      if (mine !== latest) return next.remove();
      shown.remove();
      next.hidden = false;
      next.id = 'nl-preview-frame';
      shown = next;
    });
    button.formTarget = next.name;
    form.requestSubmit(button);
  }

  tabs.forEach(function (button) {
    button.addEventListener('click', function (event) {
      event.preventDefault();
      current = button.dataset.previewLang;
      tabs.forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
      clearTimeout(previewTimer);
      refreshPreview();
    });
  });

  // Counts of characters as the server counts them (code points, line breaks as one).
  var counters = Array.prototype.slice.call(document.querySelectorAll('[data-count-for]'));
  function count(el) {
    var field = document.getElementById(el.dataset.countFor);
    if (!field) return;
    var length = Array.from(field.value.replace(/\r\n?/g, '\n')).length;
    var max = Number(el.dataset.max);
    el.textContent = length.toLocaleString('ja-JP') + ' / ' + max.toLocaleString('ja-JP');
    el.classList.toggle('nl-count--over', length > max);
  }
  counters.forEach(count);

  // The audience's size now, for the segment chosen.
  var output = document.getElementById('nl-audience-count');
  var audienceTimer;
  function refreshAudience() {
    if (!output) return;
    var data = new FormData(form);
    var params = new URLSearchParams();
    ['segment', 'plan', 'locale', 'tag'].forEach(function (name) { var v = data.get(name); if (typeof v === 'string' && v !== '') params.set(name, v); });
    fetch(form.dataset.audienceUrl + '?' + params.toString(), { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
      .then(function (answer) {
        output.hidden = false;
        output.textContent = answer.ok ? output.dataset.template.replace('{count}', answer.body.count.toLocaleString('ja-JP')) : output.dataset.invalid;
      })
      .catch(function () { output.hidden = true; });
  }

  var audienceFields = ['segment', 'plan', 'locale', 'tag'];
  form.addEventListener('input', function (event) {
    var name = event.target && event.target.name;
    counters.forEach(function (el) { if (el.dataset.countFor === name) count(el); });
    if (audienceFields.indexOf(name) >= 0) {
      clearTimeout(audienceTimer);
      audienceTimer = setTimeout(refreshAudience, name === 'tag' ? 400 : 0);
      return;
    }
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 600);
  });
  form.addEventListener('change', function (event) {
    if (event.target && audienceFields.indexOf(event.target.name) >= 0) refreshAudience();
  });

  refreshAudience();
  refreshPreview();
})();
