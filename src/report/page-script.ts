/**
 * The report's own browser script, inlined after the vega builds: sortable tables and the charts.
 * Plain ES2020 in a string (the project compiles for node without DOM types); the browser tests
 * (test/e2e/report-browser.test.ts) are what check it.
 *
 * - Tables with class `sortable`: a click on a header sorts by that column, ascending, then
 *   descending on the next click. Cells sort by their `data-sort` value (else their text); headers
 *   with `data-type="number"` sort numerically. Empty and NaN values go last in either direction:
 *   they are "not known", not small.
 * - Charts: each `{id, spec}` of the JSON data block is embedded into `#chart-<id>` on a canvas:
 *   the loss curves of 100 runs are tens of thousands of marks, which a canvas draws in about half
 *   the time SVG takes (measured: 4.3 s against 8.4 s), and vega still shows tooltips on a canvas.
 *   The vega views are kept in `window.__moTrainViews` by chart id, and
 *   `document.body.dataset.charts` becomes `ready` (or `failed`), for tests and scripts.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';

  function sortKey(cell, numeric) {
    var text = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent.trim();
    if (!numeric) return text === '' ? null : text;
    var x = text === '' ? NaN : Number(text);
    return Number.isNaN(x) ? null : x;
  }

  function sortTable(table, th) {
    var column = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute('data-type') === 'number';
    var descending = th.getAttribute('aria-sort') === 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (row, index) {
      return { row: row, index: index, key: sortKey(row.cells[column], numeric) };
    });
    rows.sort(function (a, b) {
      if (a.key === null || b.key === null) return a.key === b.key ? a.index - b.index : a.key === null ? 1 : -1;
      var c = numeric ? a.key - b.key : a.key.localeCompare(b.key, undefined, { numeric: true });
      return (descending ? -c : c) || a.index - b.index;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    th.parentNode.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  }

  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.tHead.querySelectorAll('th').forEach(function (th) {
      th.tabIndex = 0;
      th.addEventListener('click', function () { sortTable(table, th); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(table, th); }
      });
    });
  });

  // One chart after the other, in page order, each painted before the next starts: the charts at
  // the top show at once, while the loss curves of a large sweep take their seconds.
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var views = {};
  window.__moTrainViews = views;
  function nextFrame() {
    return new Promise(function (resolve) { requestAnimationFrame(function () { setTimeout(resolve, 0); }); });
  }
  data.charts.reduce(function (previous, chart) {
    return previous.then(nextFrame).then(function () {
      return vegaEmbed('#chart-' + chart.id, chart.spec, { renderer: 'canvas', actions: false });
    }).then(function (result) {
      views[chart.id] = result.view;
    });
  }, Promise.resolve()).then(function () {
    document.body.dataset.charts = 'ready';
  }, function (err) {
    document.body.dataset.charts = 'failed';
    console.error('mo-train report: a chart could not be drawn:', err);
  });
})();
`;
