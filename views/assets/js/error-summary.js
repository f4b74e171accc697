// After a form comes back with errors: focus its summary, and let each summary link move focus to its field.
(function () {
  var summary = document.querySelector('[data-error-summary]');
  if (!summary) return;
  summary.focus({ preventScroll: true });
  summary.scrollIntoView({ block: 'start' });

  function fieldOf(target) {
    if (target.matches('input, select, textarea')) return target;
    return target.querySelector('input:checked') || target.querySelector('input:not([type=hidden]), select, textarea');
  }

  summary.addEventListener('click', function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    var field = target && fieldOf(target);
    if (!field) return;
    event.preventDefault();
    // The field's question (legend or label) stays in view above it, as the reader sees it normally.
    var fieldset = field.closest('fieldset');
    var label = (fieldset && fieldset.querySelector('legend')) || document.querySelector('label[for="' + field.id + '"]') || field;
    field.focus({ preventScroll: true });
    label.scrollIntoView({ block: 'start' });
  });
})();
