/**
 * The report's tables as HTML: the stability table (one row per run, sortable), the per-α table
 * (one row per group of seeds) and, with a boundary.json, the boundary's (its quantiles, and one
 * row per seed's search). Every cell that sorts by a number carries it in full
 * precision in `data-sort`; the text shows it rounded. Pure.
 */
import { OUTCOMES, type Outcome, type Spread } from '../summary/aggregate.js';
import { renderFailure } from '../summary/failure.js';
import type { RunRecord } from '../summary/run-record.js';
import { fmt } from '../summary/verdict.js';
import type { AxisValue } from '../spec/types.js';
import type { GroupClass, GroupReading } from './compute-reading.js';
import type { BoundaryFile, BoundaryQuantiles, TrackStatus } from '../results/boundary-file.js';
import { computeShortTexts, formatShortNumber } from '../summary/short-values.js';
import { renderBracket } from './compute-boundary-reading.js';
import { html, joinHtml, type Html } from './html.js';

/** Sort rank of an outcome: good to bad, then the runs without a result. */
const OUTCOME_RANK: Readonly<Record<Outcome, number>> = Object.fromEntries(OUTCOMES.map((o, i) => [o, i])) as Record<Outcome, number>;

/** A verdict (or state) badge in its chart color. */
function renderOutcome(outcome: Outcome, text: string = outcome): Html {
  return html`<span class="verdict v-${outcome}">${text}</span>`;
}

/**
 * @param stepsHref the URL of a run's steps.csv relative to the report
 * @param axisKeys swept keys other than alpha and seed: a column each
 */
export function renderRunTable(runs: readonly RunRecord[], axisKeys: readonly string[], stepsHref: (id: string) => string): Html {
  const short = columnFormatters(
    ['alpha', 'seed', ...axisKeys],
    runs.map((r) => r.coords),
  );
  const rows = runs.map((run) => {
    const s = run.summary;
    const outcome: Outcome = run.state === 'failed' ? 'failed' : run.state === 'finished' ? run.summary.verdict : run.state;
    const steps = s ? (s.steps_run < s.steps_requested ? `${s.steps_run}/${s.steps_requested}` : String(s.steps_run)) : '';
    // A missing run has no directory; any other has at least started a steps.csv.
    const link = run.state === 'missing' ? '' : html`<a href="${stepsHref(run.id)}">steps.csv</a>`;
    return html`<tr>
<td class="id">${run.id}</td>${axisCell(run.coords.alpha, short.alpha!)}${axisCell(run.coords.seed, short.seed!)}${axisKeys.map((k) => axisCell(run.coords[k], short[k]!))}
<td data-sort="${OUTCOME_RANK[outcome]}">${renderOutcome(outcome)}</td>${numberCell(s?.final?.loss1)}${numberCell(s?.final?.loss2)}${numberCell(s?.min_loss1?.value)}
<td class="num" data-sort="${s?.steps_run ?? ''}">${steps}</td><td class="why">${run.state === 'failed' ? renderFailure(run) : (s?.explanation ?? run.problem)}</td><td>${link}</td>
</tr>`;
  });
  return html`<table class="sortable runs" id="run-table">
<thead><tr><th>run</th><th data-type="number">α</th><th data-type="number">seed</th>${axisKeys.map((k) => html`<th>${k}</th>`)}<th data-type="number">verdict</th><th data-type="number">final loss1</th><th data-type="number">final loss2</th><th data-type="number">min loss1</th><th data-type="number">steps</th><th>explanation</th><th>data</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

const CLASS_TEXT: Readonly<Record<GroupClass, string>> = {
  baseline: 'loss2 not optimized (reference)',
  traded: 'loss1 low, loss2 grew, none diverged or oscillated',
  'loss2-flat': 'loss1 low, loss2 did not grow',
  'loss1-high': 'loss1 not low',
  unstable: 'unstable',
  failed: 'runs failed with an error',
  'no-result': 'no finished run',
};

/** @param best the group the reading recommends, highlighted */
export function renderGroupTable(groups: readonly GroupReading[], axisKeys: readonly string[], best: GroupReading | null): Html {
  const short = columnFormatters(
    ['alpha', ...axisKeys],
    groups.map((g) => g.group.coords),
  );
  const rows = groups.map((g) => {
    const counts = OUTCOMES.filter((o) => g.group.counts[o] > 0).map((o) => renderOutcome(o, `${g.group.counts[o]} ${o}`));
    return html`<tr${g === best ? html` class="best"` : ''}>${axisCell(g.group.coords.alpha, short.alpha!)}${axisKeys.map((k) => axisCell(g.group.coords[k], short[k]!))}<td class="num">${g.group.runs}</td>
<td>${joinHtml(counts, ' ')}</td>${spreadCell(g.group.loss1, g.group.runs)}${spreadCell(g.group.loss2, g.group.runs)}<td class="class-${g.kind}">${CLASS_TEXT[g.kind]}</td></tr>`;
  });
  return html`<table class="sortable groups" id="group-table">
<thead><tr><th data-type="number">α</th>${axisKeys.map((k) => html`<th>${k}</th>`)}<th data-type="number">runs</th><th>verdicts</th><th data-type="number">final loss1: median [min – max]</th><th data-type="number">final loss2: median [min – max]</th><th>reading</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

const TRACK_TEXT: Readonly<Record<TrackStatus, string>> = {
  bracketed: 'bracketed',
  stable_throughout: 'stable up to the top',
  unstable_at_lo: 'unstable at the bottom',
  failed: 'failed',
  open: 'open (interrupted)',
};

/** The quantiles (per across value, then pooled) and one row per seed's search: bracket, estimate, monotone, probes. */
export function renderBoundaryTables(b: BoundaryFile): Html {
  const across = b.across_key;
  const acrossShort = computeShortTexts([...b.seeds.map((s) => s.across ?? undefined), ...b.curve.map((c) => c.across)]);
  const acrossCell = (v: AxisValue | null) => (across === null ? '' : axisCell(v ?? undefined, acrossShort));
  const quantileRow = (q: BoundaryQuantiles, at: Html | string) =>
    html`<tr>${at}<td class="num">${q.counted}</td>${valueCell(q.p10)}${valueCell(q.p50)}${valueCell(q.p90)}${valueCell(q.spread)}<td class="num">${q.stable_throughout}</td><td class="num">${q.unstable_at_lo}</td><td class="num">${q.failed}</td></tr>`;
  const quantileRows = [
    ...b.curve.map((c) => quantileRow(c, acrossCell(c.across))),
    quantileRow(b.quantiles, across === null ? '' : html`<td>all, pooled</td>`),
  ];
  const seedRows = b.seeds.map((s) => {
    const bracket =
      s.stable !== null && s.unstable !== null
        ? renderBracket(s.stable, s.unstable).replace(' and ', ' – ')
        : s.stable !== null
          ? `stable at ${formatShortNumber(s.stable)}`
          : s.unstable !== null
            ? `unstable at ${formatShortNumber(s.unstable)}`
            : '';
    const monotone = s.monotone ? 'yes' : `no: stable again at ${s.stable_above.map((v) => formatShortNumber(v)).join(', ')}`;
    return html`<tr><td class="num">${s.seed}</td>${acrossCell(s.across)}<td>${TRACK_TEXT[s.status]}${s.error ? html`<div class="why">${s.error}</div>` : ''}</td>
<td class="num" data-sort="${String(s.stable ?? s.unstable ?? '')}">${bracket}</td>${valueCell(s.estimate)}<td>${monotone}</td><td class="num">${s.probes.length}</td></tr>`;
  });
  const acrossHead = across === null ? '' : html`<th>${across}</th>`;
  return html`<table class="sortable boundary-quantiles" id="boundary-quantiles">
<thead><tr>${acrossHead}<th data-type="number">seeds counted</th><th data-type="number">10% unstable from</th><th data-type="number">50% unstable from</th><th data-type="number">90% unstable from</th><th data-type="number">spread (${b.scale === 'log' ? '90% / 10%' : '90% − 10%'})</th><th data-type="number">stable up to the top</th><th data-type="number">unstable at the bottom</th><th data-type="number">failed</th></tr></thead>
<tbody>${quantileRows}</tbody>
</table>
<table class="sortable boundary-seeds" id="boundary-seeds">
<thead><tr><th data-type="number">seed</th>${acrossHead}<th>status</th><th data-type="number">bracket: stable – unstable</th><th data-type="number">estimate</th><th>monotone</th><th data-type="number">probes</th></tr></thead>
<tbody>${seedRows}</tbody>
</table>`;
}

/** A boundary value: short (four digits) on the page, exact in data-sort and on hover. */
function valueCell(x: number | null): Html {
  return x === null
    ? html`<td class="num" data-sort="">–</td>`
    : html`<td class="num" data-sort="${String(x)}" title="${String(x)}">${formatShortNumber(x)}</td>`;
}

type Formatters = Readonly<Record<string, (v: AxisValue | undefined) => string>>;

/** Per column, its values shown short (3.162e-4) yet distinct from each other. */
function columnFormatters(keys: readonly string[], coords: readonly Readonly<Record<string, AxisValue>>[]): Formatters {
  return Object.fromEntries(keys.map((k) => [k, computeShortTexts(coords.map((c) => c[k]))]));
}

/** A number shown short sorts, and shows on hover, by its exact value. */
function axisCell(v: AxisValue | undefined, short: (v: AxisValue | undefined) => string): Html {
  if (v === undefined) return html`<td></td>`;
  if (typeof v !== 'number') return html`<td>${String(v)}</td>`;
  const text = short(v);
  return html`<td class="num" data-sort="${String(v)}"${text === String(v) ? '' : html` title="${String(v)}"`}>${text}</td>`;
}

function numberCell(x: number | undefined): Html {
  return x === undefined ? html`<td class="num" data-sort=""></td>` : html`<td class="num" data-sort="${String(x)}">${fmt(x)}</td>`;
}

/** Sorted by the median; the range and, when some runs are left out, how many it is over. */
function spreadCell(s: Spread | null, runs: number): Html {
  if (!s) return html`<td class="num" data-sort=""></td>`;
  const range = s.n === 1 ? fmt(s.median) : `${fmt(s.median)} [${fmt(s.min)} – ${fmt(s.max)}]`;
  return html`<td class="num" data-sort="${String(s.median)}">${s.n < runs ? `${range} (${s.n} of ${runs})` : range}</td>`;
}
