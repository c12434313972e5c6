/**
 * boundary.json as `mo-train boundary` prints it: per seed the bracket, the estimate, whether the
 * verdicts were monotone and every probe in the order probed with its verdict; then the spread
 * over seeds. Edge cases are said in words: stable up to HI, unstable already at LO, a failed
 * seed, a search not finished.
 */
import chalk from 'chalk';
import type { BoundaryFile, BoundaryQuantiles, BoundarySeed } from '../results/boundary-file.js';
import { formatAxisValue } from '../spec/expand-grid.js';
import { fmt } from '../summary/verdict.js';
import { colorVerdict } from './render-verdict.js';

/** Probed values are short already (search.ts rounds them): shown as they are, so two ends of a narrow bracket never read alike. */
const v = (x: number) => String(x);

export function renderBoundary(b: BoundaryFile, width: number | null): string {
  const lines: string[] = [];
  const [lo, hi] = b.range;
  const unstable = b.unstable_verdicts.join(' or ');
  lines.push(
    `${b.param}: where training turns ${unstable}, ${b.scale} scale over [${v(lo)}, ${v(hi)}], to ${b.scale === 'log' ? `×${1 + b.rel_tol}` : `±${fmt(b.rel_tol * (hi - lo))}`}` +
      ` — ${b.runs_used} runs in ${b.rounds} round${b.rounds === 1 ? '' : 's'}${b.complete ? '' : chalk.yellow(' (not finished: interrupted)')}`,
  );
  lines.push('');
  const label = (s: BoundarySeed) => (b.across_key === null ? `seed ${s.seed}` : `${b.across_key}=${formatAxisValue(s.across!)} seed ${s.seed}`);
  const labelWidth = Math.max(...b.seeds.map((s) => label(s).length));
  for (const s of b.seeds) {
    lines.push(`${label(s).padEnd(labelWidth)}  ${renderOutcome(s, b)}`);
    lines.push(...wrapProbes(s, ' '.repeat(labelWidth + 2), width));
  }
  lines.push('');
  if (b.across_key === null) lines.push(renderQuantiles('across seeds', b.quantiles, b));
  else for (const c of b.curve) lines.push(renderQuantiles(`${b.across_key}=${formatAxisValue(c.across)}`, c, b));
  return `${lines.join('\n')}\n`;
}

function renderOutcome(s: BoundarySeed, b: BoundaryFile): string {
  const [lo, hi] = b.range;
  let text: string;
  switch (s.status) {
    case 'bracketed':
      text = `flips between ${v(s.stable!)} (stable) and ${v(s.unstable!)} (unstable): ${b.param} ≈ ${fmt(s.estimate!)}`;
      break;
    case 'stable_throughout':
      text = `stable up to ${v(hi)} (the top of the range): no flip`;
      break;
    case 'unstable_at_lo':
      text = `unstable already at ${v(lo)} (the bottom of the range)`;
      break;
    case 'failed':
      text =
        chalk.red(`failed: ${s.error ?? 'a probe failed'}`) +
        (s.stable !== null && s.unstable !== null ? ` (bracket so far ${v(s.stable)} → ${v(s.unstable)})` : '');
      break;
    case 'open':
      text = `not finished${s.stable !== null && s.unstable !== null ? `: bracket so far ${v(s.stable)} → ${v(s.unstable)}` : ''}`;
      break;
  }
  if (!s.monotone) {
    text += chalk.yellow(` — not monotone: stable again above the first flip at ${s.stable_above.map(v).join(', ')}`);
  }
  return text;
}

/** `probes: 0.0001 converged, 10 oscillating, …` in the order probed, wrapped to the terminal. */
function wrapProbes(s: BoundarySeed, indent: string, width: number | null): string[] {
  const items = s.probes.map((p) => `${v(p.value)} ${colorVerdict(p.verdict)}`);
  const plainLength = (t: string) => t.replace(/\u001b\[[0-9;]*m/g, '').length;
  const max = width !== null && width >= 40 ? width : 120;
  const out: string[] = [];
  let line = `${indent}probes:`;
  for (const [i, item] of items.entries()) {
    const piece = ` ${item}${i < items.length - 1 ? ',' : ''}`;
    if (plainLength(line) + plainLength(piece) > max && plainLength(line) > indent.length + 8) {
      out.push(line);
      line = `${indent}       `;
    }
    line += piece;
  }
  out.push(line);
  return out;
}

function renderQuantiles(head: string, q: BoundaryQuantiles, b: BoundaryFile): string {
  const at = (share: string, x: number | null) => (x === null ? `${share} not up to ${v(b.range[1])}` : `${share} from ${fmt(x)}`);
  const notes = [
    q.unstable_at_lo > 0 ? `${q.unstable_at_lo} unstable already at ${v(b.range[0])}` : '',
    q.stable_throughout > 0 ? `${q.stable_throughout} stable up to ${v(b.range[1])}` : '',
    q.failed > 0 ? `${q.failed} failed, not counted` : '',
  ].filter((n) => n !== '');
  if (q.counted === 0) return `${head}: no seed to count${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  const all = q.counted === 1 ? 'the seed' : `all ${q.counted} seeds`;
  const failed = q.failed > 0 ? ` (${q.failed} failed, not counted)` : '';
  if (q.stable_throughout === q.counted) return `${head}: ${all} stable up to ${v(b.range[1])}, no flip in the range${failed}`;
  if (q.unstable_at_lo === q.counted) return `${head}: ${all} unstable already at ${v(b.range[0])}${failed}`;
  const spread = q.spread === null ? '' : b.scale === 'log' ? `; spread p90/p10 ×${fmt(q.spread)}` : `; spread p90 − p10 ${fmt(q.spread)}`;
  return (
    `${head} (${q.counted} seed${q.counted === 1 ? '' : 's'}) unstable: ${at('10%', q.p10)}, ${at('50%', q.p50)}, ${at('90%', q.p90)}${spread}` +
    (notes.length > 0 ? ` (${notes.join('; ')})` : '')
  );
}
