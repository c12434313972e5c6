/**
 * `report.html`: one self-contained page — the reading, the charts, the tables, the settings —
 * that opens without network access (vega, vega-lite and vega-embed inlined, the charts' data in a
 * JSON block). Pure: everything it shows comes in through `ReportInput`.
 */
import type { BoundaryRead } from '../io/read-boundary.js';
import type { ResultsSet } from '../io/read-results.js';
import type { VegaBundles } from '../io/read-vega-bundles.js';
import type { Chart, ChartId } from '../plot/chart-specs.js';
import { computeAggregates } from '../summary/aggregate.js';
import { isSummarized } from '../summary/run-record.js';
import { computeReading } from './compute-reading.js';
import { computeSettings, type SettingRow } from './compute-settings.js';
import { html, inlineScript, joinHtml, jsonForScript, raw, type Html } from './html.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { BoundaryFile } from '../results/boundary-file.js';
import { formatShortNumber } from '../summary/short-values.js';
import { joinOr } from './word-lists.js';
import { renderBoundaryTables, renderGroupTable, renderRunTable } from './render-tables.js';
import { STYLES } from './styles.js';

export interface ReportInput {
  readonly results: ResultsSet;
  /** The sweep's name (sweep.json, else the directory's name). */
  readonly name: string;
  /** The parsed sweep.json (null without one) and the first run's config.json: the settings. */
  readonly sweepDocument: unknown;
  readonly runConfig: unknown;
  /** In the order shown (see report-charts.ts). */
  readonly charts: readonly Chart[];
  readonly bundles: VegaBundles;
  /** The results directory as a URL relative to the report: '' when the report is in it, else ending in '/'. */
  readonly resultsHref: string;
  /** boundary.json and what is wrong with it (readBoundary): a section and the reading's critical value, or a note. */
  readonly boundary: BoundaryRead;
}

const WIDE_CHARTS: ReadonlySet<ChartId> = new Set(['loss-curves']);

export function renderReport(input: ReportInput): string {
  const { results } = input;
  const aggregates = computeAggregates(results.runs);
  const { boundary } = input.boundary;
  const reading = computeReading(results.runs, aggregates, results.dir, boundary);
  const settings = computeSettings(input.sweepDocument, input.runConfig);
  const { charts } = input;
  const stepsHref = (id: string) => `${input.resultsHref}runs/${encodeURIComponent(id)}/steps.csv`;
  const title = `mo-train report: ${input.name}`;
  const versions = input.bundles.scripts.map((s) => `${s.name} ${s.version}`).join(', ');

  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${results.dir}</title>
<style>${raw(STYLES)}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="dir">${results.dir} · ${results.runs.length} ${results.runs.length === 1 ? 'run' : 'runs'}</p>
</header>

<section id="reading">
<h2>At a glance</h2>
<p class="reading">${reading.sentences.join(' ')}</p>
<p class="answer"><strong>${reading.answer}</strong></p>
${renderSettingRows(settings.main)}
</section>

<section id="charts">
<h2>Charts</h2>
<p class="hint">Hover a point for its run, step and values. Click a verdict in a legend to show only its runs (shift-click for several), or a point to show only its run (shift-click for several); click an empty spot of the chart to show all again.</p>
<div class="charts">${charts.map(
    (c) => html`
<figure class="${WIDE_CHARTS.has(c.id) ? 'wide' : ''}" aria-label="${c.title}"><figcaption>${c.description}</figcaption><div class="chart" id="chart-${c.id}"><p class="pending">drawing…</p></div></figure>`,
  )}
</div>
</section>

${boundary ? renderBoundarySection(boundary) : ''}
<section id="by-alpha">
<h2>Per α, over seeds</h2>
${renderGroupTable(reading.groups, aggregates.axis_keys, reading.best)}
<p class="dir">Final losses of the runs that finished without diverging; a click on a header sorts.</p>
</section>

<section id="runs">
<h2>Stability per run</h2>
${renderRunTable(results.runs, aggregates.axis_keys, stepsHref)}
<p class="dir">A click on a header sorts (again: descending). Verdicts judge the last 10% of each run's steps (verdict.window).</p>
</section>
${renderNotes(results, input.boundary.issue)}
<section id="settings">
<h2>Other settings</h2>
${renderSettingRows(settings.more)}
</section>

<footer>Made by mo-train with ${versions}, inlined: this file opens without network access.</footer>
<script type="application/json" id="report-data">${raw(jsonForScript({ charts: charts.map((c) => ({ id: c.id, spec: c.spec })) }))}</script>
${joinHtml(
  input.bundles.scripts.map((s) => inlineScript(s.code, s.name)),
  '\n',
)}
${inlineScript(PAGE_SCRIPT, 'the report script')}
</body>
</html>
`;
  return page.text;
}

function renderSettingRows(rows: readonly SettingRow[]): Html {
  if (rows.length === 0) return html``;
  return html`<dl class="settings">${rows.map((r) => html`<dt>${r.label}</dt><dd>${r.value}</dd>`)}</dl>`;
}

/** What the boundary search was asked and did, then its tables (render-tables.ts). */
function renderBoundarySection(b: BoundaryFile): Html {
  const name = b.param === 'alpha' ? 'α' : b.param;
  const [lo, hi] = b.range.map((v) => formatShortNumber(v));
  const across = b.across_key === null ? '' : `, for each value of ${b.across_key}`;
  const state = b.complete ? '' : ' The search was interrupted: the brackets are as far as it got.';
  return html`<section id="boundary">
<h2>Stability boundary</h2>
<p class="dir">Searched ${name} from ${lo} to ${hi} (${b.scale} scale) to a relative tolerance of ${formatShortNumber(b.rel_tol * 100)}%, per seed${across}; unstable means ${joinOr(b.unstable_verdicts)}. ${b.rounds} ${b.rounds === 1 ? 'round' : 'rounds'}, ${b.runs_used} ${b.runs_used === 1 ? 'run' : 'runs'}, ${b.jobs} ${b.jobs === 1 ? 'worker' : 'workers'}.${state}</p>
${renderBoundaryTables(b)}
<p class="dir">“x% unstable from”: the smallest ${name} at which at least x% of the counted seeds are unstable (failed and unfinished seeds are not counted). A seed's estimate is the ${b.scale === 'log' ? 'geometric' : 'arithmetic'} mean of its bracket.</p>
</section>`;
}

/** What a reader should know that no table shows: directory notes, an unusable boundary.json, runs without gradient, warnings. */
function renderNotes(results: ResultsSet, boundaryIssue: string | null): Html {
  const lines: string[] = [...results.notes, ...(boundaryIssue === null ? [] : [boundaryIssue])];
  for (const run of results.runs) {
    if (!isSummarized(run)) continue;
    for (const loss of run.summary.no_gradient) lines.push(`${loss} has no gradient in run ${run.id}: it was never optimized`);
    for (const warning of run.summary.warnings) lines.push(`run ${run.id}: ${warning}`);
  }
  if (lines.length === 0) return html``;
  return html`<section id="notes"><h2>Notes</h2><ul class="notes">${lines.map((l) => html`<li>${l}</li>`)}</ul></section>`;
}
