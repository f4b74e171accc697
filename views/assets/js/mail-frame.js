// Grows each email preview frame to the height of the email, so nothing is cut off; follows later
// changes (images loading, the window narrowing).
(function () {
  function fit(frame) {
    var doc = frame.contentDocument;
    if (!doc || !doc.documentElement) return;
    // Measured with the frame at its smallest: the content's own height, not the frame's (an email
    // without a doctype stretches to the frame, which would make the frame grow forever).
    var before = frame.style.height;
    frame.style.height = '0px';
    var height = doc.documentElement.scrollHeight + (frame.offsetHeight - frame.clientHeight);
    frame.style.height = before;
    if (Math.abs(frame.offsetHeight - height) > 1) frame.style.height = height + 'px';
  }
  document.querySelectorAll('iframe[data-fit-content]').forEach(function (frame) {
    var start = function () {
      fit(frame);
      var doc = frame.contentDocument;
      if (doc && doc.body && 'ResizeObserver' in window) {
        new ResizeObserver(function () {
          fit(frame);
        }).observe(doc.body);
      }
    };
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete' && frame.contentDocument.URL !== 'about:blank') start();
    frame.addEventListener('load', start);
    window.addEventListener('resize', function () {
      fit(frame);
    });
  });
})();
