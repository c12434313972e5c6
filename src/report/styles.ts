/**
 * The report's stylesheet. Verdict badges take the charts' colors (plot/verdict-colors.ts), so a
 * reader matches a table row to its dots and lines by color.
 */
import { OUTCOME_COLORS } from '../plot/verdict-colors.js';
import { OUTCOMES } from '../summary/aggregate.js';

/** Dark text on light badges (the greys of missing and unfinished runs), white on the rest. */
function textOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.6 ? '#1d1d1f' : '#fff';
}

const VERDICT_STYLES = OUTCOMES.map((o) => `.v-${o} { background: ${OUTCOME_COLORS[o]}; color: ${textOn(OUTCOME_COLORS[o])}; }`).join('\n');

export const STYLES = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg-alt: #f6f7f9; --accent: #1a73e8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); margin: 0 auto; padding: 24px 32px 48px; max-width: 1500px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.dir { color: var(--muted); margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.reading { font-size: 15px; max-width: 75em; }
.answer { font-size: 16px; background: #e8f0fe; border-left: 4px solid var(--accent); padding: 8px 12px; max-width: 75em; }
.settings { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; font-size: 13px; }
.settings dt { color: var(--muted); }
.settings dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-word; }
details summary { cursor: pointer; color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 24px 40px; align-items: flex-start; }
.charts figure { margin: 0; max-width: 100%; }
.charts figure.wide { flex-basis: 100%; }
/* The caption wraps to its chart's width instead of widening the figure. */
.charts figcaption { color: var(--muted); margin: 0 0 6px; font-size: 13px; width: 0; min-width: 100%; }
.hint { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
.chart { min-height: 120px; overflow-x: auto; }
.chart .pending { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #fff; border-bottom: 2px solid var(--line); white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: " \\2195"; color: #b0b4b8; font-size: 11px; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; color: var(--fg); }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; color: var(--fg); }
tbody tr:nth-child(even) { background: var(--bg-alt); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
td.why { color: var(--muted); min-width: 24em; max-width: 48em; font-size: 12px; }
tr.best td { background: #e6f4ea; font-weight: 600; }
.verdict { display: inline-block; padding: 0 6px; border-radius: 3px; white-space: nowrap; font-size: 12px; }
${VERDICT_STYLES}
.notes li { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
`;
