// Draws the dashboard's 12-month gifts chart with the self-hosted Chart.js. The figures come from the
// page (data-chart attribute); the table under the chart shows the same numbers without script.
(function () {
  'use strict';
  var box = document.querySelector('[data-chart]');
  var canvas = document.getElementById('gifts-chart');
  if (!box || !canvas || typeof window.Chart !== 'function') return;

  var data;
  try {
    data = JSON.parse(box.getAttribute('data-chart'));
  } catch (e) {
    return;
  }
  var yen = new Intl.NumberFormat(data.locale, { style: 'currency', currency: 'JPY' });
  var compact = new Intl.NumberFormat(data.locale, { style: 'currency', currency: 'JPY', notation: 'compact', maximumFractionDigits: 1 });
  var reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  var datasets = [{ label: data.netLabel, data: data.net, backgroundColor: '#e8632b', hoverBackgroundColor: '#b9461a', borderRadius: 4, maxBarThickness: 40 }];
  if (data.hasTakeBacks) {
    datasets.push({ label: data.takeBacksLabel, data: data.takeBacks, backgroundColor: '#9aa0a6', hoverBackgroundColor: '#5b6169', borderRadius: 4, maxBarThickness: 40 });
  }

  box.classList.add('dash-chart--drawn');
  new window.Chart(canvas, {
    type: 'bar',
    data: { labels: data.labels, datasets: datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { grid: { display: false } },
        y: { ticks: { callback: function (value) { return compact.format(value); } } },
      },
      plugins: {
        legend: { display: data.hasTakeBacks, position: 'bottom' },
        tooltip: { callbacks: { label: function (item) { return item.dataset.label + ': ' + yen.format(item.parsed.y); } } },
      },
    },
  });
})();
