// The report page's stylesheet and script, compiled in so that `l2l report` needs no files besides
// the Vega libraries. The script reads the data block and turns it into Vega-Lite specifications;
// it only ever puts run data into the page as chart data or through textContent, never as markup.
#include "l2l/report/report.hpp"

#include "l2l/report/report_section.hpp"

namespace l2l::report {

const char* const kReportCss = R"l2lcss(
:root { --fg: #1d2330; --muted: #667085; --line: #e3e6eb; --accent: #1f77b4; --bg: #fafbfc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--fg); background: var(--bg); }
header { padding: 18px 28px 10px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; overflow-wrap: anywhere; }
h1 .muted { color: var(--muted); font-weight: 400; margin-right: 6px; }
h2 { margin: 0 0 8px; font-size: 18px; font-weight: 600; }
h3 { margin: 18px 0 6px; font-size: 15px; font-weight: 600; overflow-wrap: anywhere; }
.sub { margin: 0; color: var(--muted); overflow-wrap: anywhere; }
.status { font-size: 13px; padding: 2px 8px; border-radius: 10px; vertical-align: middle;
          background: #eef1f5; color: var(--fg); font-weight: 500; }
.status-finished { background: #e3f4e8; color: #146c2e; }
.status-running { background: #e6f0fb; color: #17508c; }
.status-failed { background: #fde8e8; color: #a11d1d; }
.status-interrupted { background: #fff4de; color: #8a5a00; }
.banner { margin: 10px 0 0; padding: 8px 12px; background: #e6f0fb; border-radius: 6px; }
nav { position: sticky; top: 0; z-index: 5; background: #fff; border-bottom: 1px solid var(--line);
      padding: 6px 28px; display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav a { color: var(--accent); text-decoration: none; font-size: 13px; }
nav a:hover { text-decoration: underline; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px;
          margin: 16px 0; }
.note { color: var(--muted); margin: 4px 0 10px; max-width: 980px; overflow-wrap: anywhere; }
.chart { width: 100%; min-height: 40px; margin: 6px 0 14px; overflow-x: auto; }
.chart .vega-embed { display: block; }
.chart-error { color: #a11d1d; font-weight: 500; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
thead th { background: #f4f6f8; font-weight: 600; }
table.facts th { color: var(--muted); font-weight: 500; white-space: nowrap; }
table.scroll { display: block; max-height: 420px; overflow: auto; }
pre.config { background: #f4f6f8; padding: 10px 12px; border-radius: 6px; overflow: auto;
             max-height: 480px; font-size: 12.5px; white-space: pre-wrap; overflow-wrap: anywhere; }
ul.warnings li { color: #8a5a00; overflow-wrap: anywhere; }
.vega-bind { font-size: 13px; margin: 6px 0; }
.vega-bind-name { color: var(--muted); margin-right: 6px; }
)l2lcss";

namespace {

// The script's beginning: reading the data block, the helpers every chart builder may use (f6, G,
// TOP, FIT, ordered, byIndex, fitnessTitle, smallMultiples) and the builders of the run-wide
// charts. The sections' builders (ReportSection::script) follow it, then kReportJsTail.
const char* const kReportJsHead = R"l2ljs(
(function () {
  'use strict';
  var state = { done: false, charts: 0, rendered: 0, errors: [] };
  window.l2lReport = state;

  function fail(msg) {
    state.errors.push(String(msg));
    console.error('l2l report: ' + msg);
  }
  function finish() {
    state.done = true;
    document.documentElement.setAttribute('data-l2l-done', state.errors.length ? 'errors' : 'ok');
  }

  // {"l2l_columns": {key: [values]}} back into an array of rows (see compact() in report.cpp).
  function expand(v) {
    if (Array.isArray(v)) return v.map(expand);
    if (v === null || typeof v !== 'object') return v;
    var keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'l2l_columns' && v.l2l_columns && typeof v.l2l_columns === 'object') {
      var cols = v.l2l_columns, names = Object.keys(cols);
      if (names.every(function (k) { return Array.isArray(cols[k]); })) {
        var n = names.length ? cols[names[0]].length : 0, rows = new Array(n);
        for (var i = 0; i < n; i++) {
          var r = {};
          for (var c = 0; c < names.length; c++) r[names[c]] = cols[names[c]][i];
          rows[i] = r;
        }
        return rows;
      }
    }
    var out = {};
    keys.forEach(function (k) { out[k] = expand(v[k]); });
    return out;
  }

  var data;
  try {
    data = expand(JSON.parse(document.getElementById('l2l-data').textContent));
  } catch (e) {
    fail('cannot read the report data: ' + e);
    finish();
    return;
  }
  if (typeof vegaEmbed !== 'function') {
    fail('the Vega-Embed library did not load');
    finish();
    return;
  }

  var CONFIG = {
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, gridColor: '#eef0f3' },
    legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360, titleLimit: 360 },
    header: { labelFontSize: 12, labelLimit: 360 },
    view: { stroke: '#e3e6eb' },
    title: { fontSize: 13, fontWeight: 500, anchor: 'start' }
  };
  var EMBED = { actions: { export: true, source: false, compiled: false, editor: false } };
  var FIT = { type: 'fit-x', contains: 'padding' };
  var TOP = { orient: 'top', direction: 'horizontal' };

  var G = { field: 'g', type: 'quantitative', title: 'generation', axis: { tickMinStep: 1 } };
  var gens = data.generations || { rows: [] };
  var fitnessTitle = gens.label + (gens.lower_is_better ? ' (lower is better)' : '');

  function f6(field, title) { return { field: field, type: 'quantitative', title: title || field, format: '.6g' }; }
  // Distinct values of a field in order of appearance; each row gets the value's position in
  // field + '_i'. Charts sort by that number: names from the run never enter a Vega expression.
  function ordered(rows, field) {
    var pos = new Map(), out = [];
    rows.forEach(function (r) {
      var k = r[field];
      if (!pos.has(k)) { pos.set(k, out.length); out.push(k); }
      r[field + '_i'] = pos.get(k);
    });
    return out;
  }
  function byIndex(field) { return { field: field + '_i', op: 'min' }; }

  // Small multiples of one value over generations, one panel per key.
  function smallMultiples(rows, keyField, W) {
    var keys = ordered(rows, keyField);
    var line = {
      mark: { type: 'line', point: rows.length / Math.max(keys.length, 1) < 60 },
      encoding: {
        x: G,
        y: { field: 'v', type: 'quantitative', title: null, scale: { zero: false } },
        tooltip: [{ field: 'g', title: 'generation' }, { field: keyField }, f6('v', 'value')]
      }
    };
    if (keys.length === 1) {
      return Object.assign({ data: { values: rows }, width: Math.min(W, 800), height: 220, title: String(keys[0]) }, line);
    }
    var cols = Math.min(keys.length, W > 1000 ? 3 : W > 640 ? 2 : 1);
    return {
      data: { values: rows },
      facet: { field: keyField, type: 'nominal', title: null, sort: byIndex(keyField) },
      columns: cols,
      resolve: { scale: { y: 'independent' } },
      spec: Object.assign({ width: Math.min(520, Math.floor(W / cols) - 80), height: 150 }, line)
    };
  }

  var builders = {};

  builders.fitness = function (W) {
    var y = gens.log_axis ? { type: 'log' } : { zero: false };
    var domain = ['best', 'median', 'best so far', 'interquartile range'];
    var color = { scale: { domain: domain, range: ['#d62728', '#1f77b4', '#2ca02c', '#9ecae1'] }, title: null, legend: TOP };
    return {
      data: { values: gens.rows }, width: W, height: 300, autosize: FIT,
      layer: [
        {
          mark: { type: 'area', opacity: 0.45 },
          encoding: {
            x: G, y: { field: 'lo', type: 'quantitative', scale: y, title: fitnessTitle }, y2: { field: 'hi' },
            color: Object.assign({ datum: 'interquartile range' }, color)
          }
        },
        {
          transform: [
            { fold: ['best', 'median', 'best_so_far'], as: ['series', 'value'] },
            { calculate: "datum.series === 'best_so_far' ? 'best so far' : datum.series", as: 'series' }
          ],
          mark: { type: 'line', strokeWidth: 1.6 },
          encoding: {
            x: G, y: { field: 'value', type: 'quantitative', scale: y, title: fitnessTitle },
            color: Object.assign({ field: 'series', type: 'nominal' }, color),
            strokeDash: { field: 'series', type: 'nominal', legend: null,
                          scale: { domain: ['best', 'median', 'best so far'], range: [[1, 0], [1, 0], [5, 3]] } }
          }
        },
        {
          mark: { type: 'rule', color: '#888' },
          params: [{ name: 'hover', select: { type: 'point', fields: ['g'], nearest: true, on: 'pointerover', clear: 'pointerout' } }],
          encoding: {
            x: G,
            opacity: { condition: { param: 'hover', empty: false, value: 0.6 }, value: 0 },
            tooltip: [{ field: 'g', title: 'generation' }, f6('best'), f6('median'), f6('lo', 'quartile (low)'),
                      f6('hi', 'quartile (high)'), f6('best_so_far', 'best so far'),
                      { field: 'evals', title: 'evaluations' }, { field: 'failed' }]
          }
        }
      ]
    };
  };

  builders.throughput = function (W) {
    return {
      data: { values: gens.rows }, width: W, height: 200, autosize: FIT,
      mark: { type: 'line', point: gens.rows.length < 60, color: '#6b4fbb' },
      encoding: {
        x: G,
        y: { field: 'eps', type: 'quantitative', title: 'evaluations / s' },
        tooltip: [{ field: 'g', title: 'generation' }, f6('eps', 'evaluations / s'), f6('seconds', 'seconds'),
                  { field: 'evals', title: 'evaluations' }]
      }
    };
  };

  builders.failures = function (W) {
    var f = data.failures;
    var reasons = ordered(f.by_generation, 'reason');
    return {
      data: { values: f.by_generation }, width: W, height: 200, autosize: FIT,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'g', type: f.by_generation.length <= 80 ? 'ordinal' : 'quantitative',
             title: f.bucket > 1 ? 'generation (bucket start)' : 'generation' },
        y: { field: 'n', type: 'quantitative', aggregate: 'sum', title: 'failed evaluations', stack: true },
        color: { field: 'reason', type: 'nominal', title: null, sort: byIndex('reason'),
                 legend: { orient: 'bottom', columns: 1, labelLimit: Math.max(200, W - 60) } },
        order: { field: 'reason_i', type: 'quantitative' },
        tooltip: [{ field: 'g', title: 'generation' }, { field: 'reason' }, { field: 'n', title: 'count' }]
      }
    };
  };

  builders.parameters = function (W) {
    var p = data.parameters;
    // Only the best individuals stored (store_params: best): an empty population layer would
    // draw a colour legend of nothing (NaN), so it is left out.
    var hasPop = p.rows.some(function (r) { return r.k === 'pop'; });
    if (p.mode === 'each') {
      ordered(p.rows, 'p');
      var cols = Math.max(1, Math.min(4, Math.floor(W / 300), p.names.length));
      return {
        data: { values: p.rows },
        facet: { field: 'p', type: 'nominal', title: null, sort: byIndex('p') },
        columns: cols,
        resolve: { scale: { y: 'independent' } },
        spec: {
          width: Math.floor(W / cols) - 80, height: 170,
          layer: (hasPop ? [
            {
              transform: [{ filter: "datum.k === 'pop'" }],
              mark: { type: 'circle', size: 12, opacity: 0.55 },
              encoding: {
                x: G, y: { field: 'v', type: 'quantitative', title: null, scale: { zero: false } },
                color: { condition: { test: 'datum.f == null', value: '#c7c7c7' }, field: 'f', type: 'quantitative',
                         title: fitnessTitle, scale: { scheme: 'viridis', reverse: !!gens.lower_is_better },
                         legend: { orient: 'top', direction: 'horizontal', gradientLength: 240 } },
                tooltip: [{ field: 'g', title: 'generation' }, { field: 'p', title: 'parameter' }, f6('v', 'value'), f6('f', 'fitness')]
              }
            }] : []).concat([
            {
              transform: [{ filter: "datum.k === 'best'" }],
              mark: { type: 'line', color: '#d62728', strokeWidth: 1.4 },
              encoding: { x: G, y: { field: 'v', type: 'quantitative', title: null, scale: { zero: false } } }
            }
          ])
        }
      };
    }
    var ex = p.explained || [0, 0];
    function axis(i) { return 'PC' + (i + 1) + ' (' + (100 * (ex[i] || 0)).toFixed(1) + '% of variance)'; }
    return {
      data: { values: p.rows }, width: Math.min(W, 900), height: 420, autosize: FIT,
      layer: (hasPop ? [
        {
          transform: [{ filter: "datum.k === 'pop'" }],
          mark: { type: 'circle', size: 14, opacity: 0.5 },
          encoding: {
            x: { field: 'pc1', type: 'quantitative', title: axis(0), scale: { zero: false } },
            y: { field: 'pc2', type: 'quantitative', title: axis(1), scale: { zero: false } },
            color: { field: 'g', type: 'quantitative', title: 'generation', scale: { scheme: 'viridis' } },
            tooltip: [{ field: 'g', title: 'generation' }, { field: 'i', title: 'individual' }, f6('f', 'fitness')]
          }
        }] : [
        {
          transform: [{ filter: "datum.k === 'best'" }],
          mark: { type: 'circle', size: 30, opacity: 0.9 },
          encoding: {
            x: { field: 'pc1', type: 'quantitative', title: axis(0), scale: { zero: false } },
            y: { field: 'pc2', type: 'quantitative', title: axis(1), scale: { zero: false } },
            color: { field: 'g', type: 'quantitative', title: 'generation', scale: { scheme: 'viridis' } },
            tooltip: [{ field: 'g', title: 'generation (best)' }]
          }
        }]).concat([
        {
          transform: [{ filter: "datum.k === 'best'" }],
          mark: { type: 'line', color: '#d62728', strokeWidth: 1.3, point: { size: 18, color: '#d62728' } },
          encoding: {
            x: { field: 'pc1', type: 'quantitative' }, y: { field: 'pc2', type: 'quantitative' },
            order: { field: 'g', type: 'quantitative' },
            tooltip: [{ field: 'g', title: 'generation (best)' }]
          }
        }
      ])
    };
  };

  builders.tests = function (W) { return smallMultiples(data.tests.rows, 'metric', W); };
  builders.optimizer = function (W) { return smallMultiples(data.optimizer_info.rows, 'key', W); };
)l2ljs";

// The rest of the script: it draws every placeholder with the builder of its kind.
const char* const kReportJsTail = R"l2ljs(
  var jobs = [];
  var charts = document.querySelectorAll('.chart[data-kind]');
  state.charts = charts.length;
  Array.prototype.forEach.call(charts, function (el) {
    var kind = el.getAttribute('data-kind');
    var index = Number(el.getAttribute('data-index') || 0);
    var W = Math.max(420, Math.min(1320, el.clientWidth || 900) - 10);
    var spec;
    try {
      if (!builders[kind]) throw new Error('no chart type ' + kind);
      spec = builders[kind](W, index);
      spec.config = CONFIG;
    } catch (e) {
      fail('chart ' + kind + ' #' + index + ': ' + e);
      el.textContent = 'This chart could not be drawn: ' + e;
      el.className += ' chart-error';
      return;
    }
    var heavy = builders[kind].heavy || (kind === 'parameters' && data.parameters.rows && data.parameters.rows.length > 6000);
    var opts = Object.assign({ renderer: heavy ? 'canvas' : 'svg' }, EMBED);
    jobs.push(vegaEmbed(el, spec, opts).then(function (res) {
      state.rendered += 1;
      res.view.addEventListener('error', function (e) { fail('chart ' + kind + ': ' + e); });
    }).catch(function (e) {
      fail('chart ' + kind + ' #' + index + ': ' + (e && e.message ? e.message : e));
      el.textContent = 'This chart could not be drawn: ' + e;
      el.className += ' chart-error';
    }));
  });
  Promise.all(jobs).then(finish, finish);
})();
)l2ljs";

}  // namespace

std::string report_script() {
  std::string js = kReportJsHead;
  for (const auto* section : report_sections()) js += section->script();
  return js + kReportJsTail;
}

}  // namespace l2l::report
