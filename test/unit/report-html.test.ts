/**
 * The report's HTML building blocks and its reading, without a browser: escaping (run ids and
 * settings come from files anyone can write) and the computed paragraph.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, inlineScript, joinHtml, jsonForScript, raw } from '../../src/report/html.js';
import { computeReading } from '../../src/report/compute-reading.js';
import { computeSettings } from '../../src/report/compute-settings.js';
import { computeAggregates } from '../../src/summary/aggregate.js';
import type { RunRecord } from '../../src/summary/run-record.js';
import { makeSummary, runIdOf, type SummaryInput } from '../fixtures/results/build-results.js';

describe('html', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a & b', 'a &amp; b'],
    [`" onmouseover="x" '`, '&quot; onmouseover=&quot;x&quot; &#39;'],
    ['alpha=0.1,seed=2', 'alpha=0.1,seed=2'],
  ])('escapes %j', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
    expect(html`<td title="${text}">${text}</td>`.text).toBe(`<td title="${escaped}">${escaped}</td>`);
  });

  it('keeps markup made by html, raw and joinHtml, and escapes strings inside lists', () => {
    const cells = ['<b>', html`<i>${'<i>'}</i>`];
    expect(html`<tr>${cells}</tr>`.text).toBe('<tr>&lt;b&gt;<i>&lt;i&gt;</i></tr>');
    expect(html`${raw('<br>')}${joinHtml(['<', html`<hr>`], ' ')}${null}${false}${undefined}${0}`.text).toBe('<br>&lt; <hr>0');
  });

  it.each([['</script><script>alert(1)</script>'], ['<!-- <script>'], ['</SCRIPT>'], ['line\u2028separator']])(
    'writes %j into a JSON script block so that it cannot end the block, and reads back the same',
    (text) => {
      const json = jsonForScript({ id: text, nested: [text] });
      expect(json).not.toMatch(/<|\u2028/);
      expect(JSON.parse(json)).toEqual({ id: text, nested: [text] });
    },
  );

  it('refuses to inline a script that would end its element early', () => {
    expect(() => inlineScript('var s = "</script>";', 'x.js')).toThrow(/x\.js contains/);
    expect(() => inlineScript('a <!-- b', 'y.js')).toThrow(/y\.js/);
    expect(inlineScript('var a = 1 < 2;', 'z.js').text).toBe('<script>var a = 1 < 2;</script>');
  });
});

function finished(input: SummaryInput & { start?: { loss1: number; loss2: number }; loss2_behaviour?: 'growing' | 'steady' }): RunRecord {
  const base = makeSummary(input);
  const summary = { ...base, start: input.start ?? base.start, loss2_behaviour: input.loss2_behaviour ?? base.loss2_behaviour };
  return { id: runIdOf(input.coords), path: `/r/runs/${runIdOf(input.coords)}`, state: 'finished', coords: input.coords, summary, rows: 3, problem: null };
}

describe('computeReading', () => {
  const start = { loss1: 20, loss2: 0.5 };
  // The seed problem's shape: α = 0 fits loss1, 0.01 trades (loss2 grows without bound), 0.1 and 1 oscillate.
  const seedLike = [0, 1].flatMap((seed) => [
    finished({ coords: { alpha: 0, seed }, verdict: 'converged', loss1: 0, loss2: 6, start }),
    finished({ coords: { alpha: 0.01, seed }, verdict: 'drifting', loss1: 0.001, loss2: 200 + seed, start, loss2_behaviour: 'growing' }),
    finished({ coords: { alpha: 0.001, seed }, verdict: 'converged', loss1: 0.002, loss2: 20, start, loss2_behaviour: 'steady' }),
    finished({ coords: { alpha: 0.1, seed }, verdict: 'oscillating', loss1: 0.08, loss2: 300, start }),
    finished({ coords: { alpha: 1, seed }, verdict: 'oscillating', loss1: 0.005, loss2: 450, start }),
  ]);

  it('picks the α with the highest loss2 of those that kept loss1 low with no run diverging or oscillating', () => {
    const reading = computeReading(seedLike, computeAggregates(seedLike), 'results/x');
    expect(reading.best?.label).toBe('α = 0.01');
    expect(reading.answer).toMatch(/^Pick α = 0\.01: it gives the highest loss2 \(median final 200\.5\)/);
    expect(reading.groups.map((g) => [g.label, g.kind])).toEqual([
      ['α = 0', 'baseline'],
      ['α = 0.001', 'traded'],
      ['α = 0.01', 'traded'],
      ['α = 0.1', 'unstable'],
      ['α = 1', 'unstable'],
    ]);
    const text = reading.sentences.join(' ');
    expect(text).toContain('10 runs (α ∈ {0, 0.001, 0.01, 0.1, 1} × 2 seeds): 4 converged, 4 oscillating, 2 drifting.');
    expect(text).toContain('α = 0.001 and 0.01 kept loss1 low');
    expect(text).toContain('In 2 of 4 runs loss2 was still growing');
    expect(text).toContain('α = 0.1 and 1: loss2 reached 300 to 450');
    expect(text).toContain('training is unstable — loss1 oscillates in 4 of 4 runs.');
  });

  it('says so when every α > 0 has a run that diverged or oscillated, and when loss2 has no gradient', () => {
    const runs = [
      finished({ coords: { alpha: 0, seed: 0 }, loss1: 0, loss2: 6, start, no_gradient: ['loss2'] }),
      finished({ coords: { alpha: 0.5, seed: 0 }, verdict: 'diverged', loss1: NaN, loss2: NaN, start, no_gradient: ['loss2'] }),
    ];
    const reading = computeReading(runs, computeAggregates(runs), 'results/x');
    expect(reading.best).toBeNull();
    expect(reading.answer).toBe(
      'At every α > 0 here some run diverged or oscillated (the closest: α = 0.5, 1 of 1 runs unstable): try smaller values of α, or a smaller learning rate.',
    );
    expect(reading.sentences.join(' ')).toContain('loss2 has no gradient in 2 of 2 runs');
  });

  it('has nothing to recommend without runs on the grid', () => {
    const reading = computeReading([], computeAggregates([]), 'results/x');
    expect(reading).toMatchObject({
      sentences: ['0 runs, none placed on the α grid (see the stability table).'],
      answer: 'No run here has a result to read.',
      best: null,
    });
  });

  it('never calls a drifting run stable: the reading uses the verdict words, as the tables do', () => {
    const reading = computeReading(seedLike, computeAggregates(seedLike), 'results/x');
    // α = 0.01 is drifting in both seeds, and is both the answer and one of the "traded" groups.
    expect(reading.answer).toMatch(/^Pick α = 0\.01: /);
    for (const sentence of [...reading.sentences, reading.answer]) expect(sentence).not.toMatch(/\bstable\b|\bstably\b/);
    expect(reading.answer).toContain('no run diverged or oscillated');
  });

  it('does not call loss1 low above 1% of its value at step 0', () => {
    const runs = [finished({ coords: { alpha: 0.1, seed: 0 }, loss1: 0.3, loss2: 60, start, loss2_behaviour: 'growing' })];
    const reading = computeReading(runs, computeAggregates(runs), 'results/x');
    expect(reading.groups[0]!.kind).toBe('loss1-high');
    expect(reading.answer).toMatch(/^No α here keeps loss1 low/);
  });
});

describe('computeSettings', () => {
  it('shows the grid and the shared settings, marks swept ones, and ignores what it cannot read', () => {
    const sweep = {
      created: '2026-11-26T02:00:00.000Z',
      mo_train_version: '0.1.0',
      node: 'v20.20.2',
      argv: ['sweep', '--alpha', '0,0.1', '--set', 'optimizer.lr=1e-3,1e-2'],
      grid: { alpha: [0, 0.1], seeds: [0, 1], axes: [{ key: 'optimizer.lr', values: [0.001, 0.01] }] },
      module: 42,
    };
    const config = { id: 'x', steps: 500, optimizer: { name: 'adam', lr: 0.001 }, experiment: { kind: 'module', path: '/m.ts' } };
    const { main, more } = computeSettings(sweep, config);
    expect(main).toEqual([
      { label: 'α', value: '0, 0.1' },
      { label: 'seeds', value: '0, 1' },
      { label: 'optimizer.lr (swept)', value: '0.001, 0.01' },
      { label: 'experiment', value: '/m.ts' },
      { label: 'steps', value: '500' },
      { label: 'optimizer', value: '{name: adam, lr: 0.001} (first run; optimizer.lr swept)' },
    ]);
    expect(more.map((r) => r.label)).toEqual(['command', 'created', 'versions']);
    expect(more[0]!.value).toBe('mo-train sweep --alpha 0,0.1 --set optimizer.lr=1e-3,1e-2');
    expect(computeSettings(null, null)).toEqual({ main: [], more: [] });
  });
});
