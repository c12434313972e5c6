/**
 * Measurements → the table's rows: targets, pass/fail and the ratios between measures, all from
 * this one run's medians. Pure.
 */
import type { BigSweepResult, FixedCost, RunTiming, SweepTiming } from './measure-cli.js';
import type { HotPathTiming, ProtocolThroughput, SeedTorchOverhead } from './measure-command.js';
import type { OracleTiming } from './measure-oracle.js';
import type { TorchBatchedTiming, TorchProbe, TorchStepTiming, TorchSweepTiming } from './measure-torch.js';
import type { BenchPlan } from './plan.js';
import { fmtNum, passFail, type TableRow } from './render-table.js';
import type { SampleStats } from './stats.js';

/** The brief's targets, in the units the table shows. */
export const TARGETS = {
  fusedKernelUs: 2,
  cliOverKernel: 3,
  tfjsUs: 300,
  tfjsOverTorch: 2,
  sweepS: 1,
  perRunOverTorch: 100,
  bigSweepS: 30,
  workerPeakMb: 200,
  /** A worker's RSS is "flat" when its VmRSS at the end is at most this multiple of its VmRSS after 10% of the runs. */
  flatRatio: 1.2,
  /** The command engine (issue 12): mo-train's cost per protocol line, and a seed_torch.py run under it ÷ alone. */
  commandUsPerLine: 2,
  commandOverAlone: 1.05,
} as const;

/** A measure's outcome: its data, or the one-line error that stopped it. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string } | { ok: false; skipped: string };

export interface Measurements {
  readonly plan: BenchPlan;
  readonly fused: Outcome<OracleTiming>;
  readonly cliFused: Outcome<RunTiming>;
  readonly tfjs: Outcome<OracleTiming>;
  readonly cliTfjs: Outcome<RunTiming>;
  readonly torchProbe: Outcome<TorchProbe>;
  readonly torch1: Outcome<TorchStepTiming>;
  readonly torchDefault: Outcome<TorchStepTiming>;
  readonly sweep: Outcome<SweepTiming>;
  readonly torchSweep: Outcome<TorchSweepTiming>;
  readonly bigSweep: Outcome<BigSweepResult>;
  /** 7a's sweep again with --jobs 1: one worker, so a run's in-run time is one core's. */
  readonly bigSweepOneWorker: Outcome<SweepTiming>;
  /** 11. What a run costs besides its steps. */
  readonly fixedCost: Outcome<FixedCost>;
  /** One per plan.torchBatched.sizes entry, in that order. */
  readonly torchBatched: readonly Outcome<TorchBatchedTiming>[];
  readonly commandThroughput: Outcome<ProtocolThroughput>;
  readonly commandHotPath: Outcome<HotPathTiming>;
  readonly commandTorch: Outcome<SeedTorchOverhead>;
  readonly commandTorchBuffered: Outcome<SeedTorchOverhead>;
}

export type Row = TableRow & { readonly id: string };

const MB = 2 ** 20;

function us(s: SampleStats, what: string): string {
  return `${fmtNum(s.median)} µs/step (min ${fmtNum(s.min)}; ${what})`;
}

function secs(s: SampleStats): string {
  return `${fmtNum(s.median)} s (min ${fmtNum(s.min)}; n=${s.n})`;
}

function steps(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** Seconds, or milliseconds under a second. */
function dur(s: number): string {
  return s < 1 ? `${fmtNum(s * 1000)} ms` : `${fmtNum(s)} s`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function usLine(x: number): string {
  return `${fmtNum(x)} µs/line`;
}

/** A row standing for a measure that did not produce data. */
function missing(id: string, measure: string, o: Outcome<unknown>): Row {
  if (o.ok) throw new Error('missing() on a measured outcome');
  const skipped = 'skipped' in o;
  return { id, measure, value: skipped ? o.skipped : `error: ${o.error}`, target: '', result: skipped ? 'skipped' : 'FAIL', ratio: '' };
}

export function buildRows(m: Measurements): Row[] {
  const rows: Row[] = [];
  const { plan } = m;
  const kernel = m.fused.ok ? m.fused.value.usPerStep.median : null;
  const torch1 = m.torch1.ok ? m.torch1.value : null;

  // 1. Fused kernel.
  const m1 = 'fused kernel, in-process (evaluateCombined + Adam)';
  if (m.fused.ok) {
    const f = m.fused.value;
    rows.push({
      id: '1',
      measure: m1,
      value: us(f.usPerStep, `${f.plan.repeats}×${steps(f.plan.steps)} steps`),
      target: `≤ ${TARGETS.fusedKernelUs} µs/step`,
      result: passFail(f.usPerStep.median <= TARGETS.fusedKernelUs),
      ratio: '',
    });
  } else rows.push(missing('1', m1, m.fused));

  // 2. mo-train run, fused, every step logged.
  const m2 = `mo-train run, fused, ${steps(plan.cliFused.steps)} steps, all logged: wall/N`;
  if (m.cliFused.ok) {
    const c = m.cliFused.value;
    const over = (x: number) => (kernel === null ? 'kernel not measured' : `${fmtNum(x / kernel)}× kernel`);
    const ok = (x: number) => (kernel === null ? 'FAIL' : passFail(x <= TARGETS.cliOverKernel * kernel));
    rows.push({
      id: '2a',
      measure: m2,
      value: us(c.wallUsPerStep, `n=${c.wallUsPerStep.n}`),
      target: `≤ ${TARGETS.cliOverKernel}× kernel`,
      result: ok(c.wallUsPerStep.median),
      ratio: over(c.wallUsPerStep.median),
    });
    rows.push({
      id: '2b',
      measure: '  same runs, in-run: summary wall_time_s/N',
      value: us(c.inRunUsPerStep, `n=${c.inRunUsPerStep.n}`),
      target: `≤ ${TARGETS.cliOverKernel}× kernel`,
      result: ok(c.inRunUsPerStep.median),
      ratio: over(c.inRunUsPerStep.median),
    });
  } else rows.push(missing('2', m2, m.cliFused));

  // 3. tfjs engine.
  const m3 = 'tfjs cpu, experiments/seed.ts, in-process (same loop)';
  const tfjs = m.tfjs.ok ? m.tfjs.value.usPerStep.median : null;
  if (m.tfjs.ok) {
    const t = m.tfjs.value;
    rows.push({
      id: '3a',
      measure: m3,
      value: us(t.usPerStep, `${t.plan.repeats}×${steps(t.plan.steps)} steps`),
      target: `≤ ${TARGETS.tfjsUs} µs/step`,
      result: passFail(t.usPerStep.median <= TARGETS.tfjsUs),
      ratio: kernel === null ? '' : `${fmtNum(t.usPerStep.median / kernel)}× fused kernel`,
    });
  } else rows.push(missing('3a', m3, m.tfjs));
  const m3b = 'tfjs in-process speed-up: PyTorch (1 thread) µs ÷ tfjs µs';
  if (tfjs !== null && torch1) {
    const speedup = torch1.usPerStep.median / tfjs;
    const dflt = m.torchDefault.ok ? `vs default threads (${m.torchDefault.value.threads}): ${fmtNum(m.torchDefault.value.usPerStep.median / tfjs)}×` : '';
    rows.push({
      id: '3b',
      measure: m3b,
      value: `${fmtNum(speedup)}×`,
      target: `≥ ${TARGETS.tfjsOverTorch}×`,
      result: passFail(speedup >= TARGETS.tfjsOverTorch),
      ratio: dflt,
    });
  } else rows.push(missing('3b', m3b, !m.tfjs.ok ? m.tfjs : m.torch1));
  const m3c = `mo-train run --module experiments/seed.ts, ${steps(plan.cliTfjs.steps)} steps, log every ${plan.cliTfjs.logEvery}: wall/N`;
  if (m.cliTfjs.ok) {
    const c = m.cliTfjs.value;
    rows.push({
      id: '3c',
      measure: m3c,
      value: us(c.wallUsPerStep, `n=${c.wallUsPerStep.n}`),
      target: '',
      result: 'info',
      ratio: `includes node + tfjs startup (${fmtNum(c.wallS.median)} s per run)`,
    });
    rows.push({
      id: '3d',
      measure: '  same runs, in-run: summary wall_time_s/N',
      value: us(c.inRunUsPerStep, `n=${c.inRunUsPerStep.n}`),
      target: `≤ ${TARGETS.tfjsUs} µs/step`,
      result: passFail(c.inRunUsPerStep.median <= TARGETS.tfjsUs),
      ratio: torch1 ? `PyTorch (1 thread) ÷ this = ${fmtNum(torch1.usPerStep.median / c.inRunUsPerStep.median)}×` : '',
    });
  } else rows.push(missing('3c', m3c, m.cliTfjs));

  // 4. PyTorch.
  const version = m.torchProbe.ok ? m.torchProbe.value.torchVersion : '';
  for (const [id, o, label] of [
    ['4a', m.torch1, 'torch.set_num_threads(1)'],
    ['4b', m.torchDefault, `torch's default threads (${m.torchProbe.ok ? m.torchProbe.value.defaultThreads : '?'})`],
  ] as const) {
    const measure = `PyTorch ${version} seed loop, ${label}`.replace('  ', ' ');
    if (o.ok) {
      const t = o.value;
      rows.push({
        id,
        measure,
        value: us(t.usPerStep, `${t.usPerStep.n}×${steps(t.steps)} steps`),
        target: '',
        result: 'info',
        ratio: `one ${steps(t.steps)}-step run: ${fmtNum(t.runS.median)} s`,
      });
    } else rows.push(missing(id, measure, o));
  }

  // 5. The 12-run sweep.
  const grid = `${plan.sweep.alphas.length} α × ${plan.sweep.seeds.length} seeds × ${steps(plan.sweep.steps)} steps, all logged`;
  const m5 = `mo-train sweep, ${grid}: wall`;
  if (m.sweep.ok) {
    const s = m.sweep.value;
    rows.push({
      id: '5',
      measure: m5,
      value: secs(s.wallS),
      target: `< ${TARGETS.sweepS} s`,
      result: passFail(s.wallS.median < TARGETS.sweepS),
      ratio: `${s.runs} runs; a run's own wall_time_s: median ${fmtNum(s.runWallS.median * 1000)} ms`,
    });
  } else rows.push(missing('5', m5, m.sweep));

  // 6. Sweep vs PyTorch.
  const m6a = `per run: PyTorch ${steps(plan.sweep.steps)}-step run (1 thread) ÷ mo-train run's wall_time_s`;
  if (m.sweep.ok && torch1) {
    // In the full plan torch times exactly sweep.steps per run; --quick scales its shorter runs up.
    const torchRunS = torch1.runS.median * (plan.sweep.steps / torch1.steps);
    const ratio = torchRunS / m.sweep.value.runWallS.median;
    rows.push({
      id: '6a',
      measure: m6a,
      value: `${fmtNum(ratio)}×`,
      target: `≥ ${TARGETS.perRunOverTorch}×`,
      result: passFail(ratio >= TARGETS.perRunOverTorch),
      ratio: `${fmtNum(torchRunS)} s vs ${fmtNum(m.sweep.value.runWallS.median * 1000)} ms`,
    });
  } else rows.push(missing('6a', m6a, !m.sweep.ok ? m.sweep : m.torch1));
  const m6b = `whole sweep: ${plan.sweep.alphas.length * plan.sweep.seeds.length} PyTorch runs back to back (1 thread) ÷ sweep wall`;
  if (m.sweep.ok && m.torchSweep.ok) {
    const t = m.torchSweep.value;
    const wall = m.sweep.value.wallS.median;
    rows.push({
      id: '6b',
      measure: m6b,
      value: `${fmtNum(t.loopS / wall)}×`,
      target: '',
      result: 'info',
      ratio: `PyTorch loop ${fmtNum(t.loopS)} s vs ${fmtNum(wall)} s; with python start + import torch ${fmtNum(t.processWallS)} s: ${fmtNum(t.processWallS / wall)}×`,
    });
  } else rows.push(missing('6b', m6b, !m.sweep.ok ? m.sweep : m.torchSweep));

  // 7. The large sweep and its memory.
  const b = plan.bigSweep;
  const m7 = `mo-train sweep, --alpha '${b.alpha}' --seeds ${b.seeds} × ${steps(b.steps)} steps, log every ${b.logEvery}: wall`;
  if (m.bigSweep.ok) {
    const s = m.bigSweep.value;
    rows.push({
      id: '7a',
      measure: `mo-train sweep, ${s.runs} runs × ${steps(b.steps)} steps, log every ${b.logEvery}: wall`,
      value: `${fmtNum(s.wallS)} s (n=1)`,
      target: `< ${TARGETS.bigSweepS} s`,
      result: passFail(s.wallS < TARGETS.bigSweepS),
      ratio: `--alpha '${b.alpha}' --seeds ${b.seeds}, ${s.workers.length} workers`,
    });
    const peak = Math.max(...s.workers.map((w) => w.peakHwm));
    rows.push({
      id: '7b',
      measure: '  peak RSS per worker (VmHWM, worst worker)',
      value: `${fmtNum(peak / MB)} MB`,
      target: `< ${TARGETS.workerPeakMb} MB`,
      result: passFail(s.workers.length > 0 && peak < TARGETS.workerPeakMb * MB),
      ratio: `each: ${s.workers.map((w) => fmtNum(w.peakHwm / MB)).join(', ')} MB`,
    });
    const early = s.workers.filter((w) => w.earlyRss !== null);
    const growth = early.map((w) => w.endRss / w.earlyRss!);
    const worst = growth.length > 0 ? Math.max(...growth) : NaN;
    const half = s.workers.filter((w) => w.halfRss !== null);
    const secondHalf = half.length > 0 ? Math.max(...half.map((w) => w.endRss / w.halfRss!)) : NaN;
    rows.push({
      id: '7c',
      measure: `  worker RSS flat: end ÷ after ${s.earlyAtRuns ?? '10%'} runs (worst worker)`,
      value:
        growth.length > 0
          ? `${worst.toFixed(2)}×`
          : s.earlyAtRuns === null
            ? 'no 10% mark: no "[n/N]" progress lines on stderr'
            : 'no worker alive at the 10% mark',
      target: `≤ ${TARGETS.flatRatio}×`,
      result: passFail(growth.length > 0 && worst <= TARGETS.flatRatio),
      ratio:
        early.map((w) => `${fmtNum(w.earlyRss! / MB)}→${fmtNum(w.endRss / MB)} MB`).join(', ') +
        (half.length > 0 ? `; end ÷ after ${s.halfAtRuns} runs: ${secondHalf.toFixed(2)}×` : ''),
    });
    rows.push({
      id: '7d',
      measure: '  coordinator peak RSS (VmHWM)',
      value: `${fmtNum(s.coordinator.peakHwm / MB)} MB`,
      target: '',
      result: 'info',
      ratio: `${s.samples} samples every ${s.sampleIntervalMs} ms`,
    });
  } else rows.push(missing('7', m7, m.bigSweep));

  // 7e. mo-train's in-run µs per run-step at --log-every 10, per worker (= per core), from 7a's runs.
  const m7e = `  same sweep, in-run: a run's wall_time_s ÷ steps (per worker = per core)`;
  const moInRun = m.bigSweep.ok ? m.bigSweep.value.inRunUsPerRunStep.median : null;
  if (m.bigSweep.ok) {
    const s = m.bigSweep.value;
    const w = s.workers.length;
    rows.push({
      id: '7e',
      measure: m7e,
      value: `${fmtNum(s.inRunUsPerRunStep.median)} µs/run-step (min ${fmtNum(s.inRunUsPerRunStep.min)}; ${count(s.inRunUsPerRunStep.n)} runs)`,
      target: '',
      result: 'info',
      ratio:
        w > 0
          ? `whole sweep per core: wall × ${w} workers ÷ (runs × steps) = ${fmtNum((s.wallS * w * 1e6) / (s.runs * b.steps))} µs/run-step (startup, coordinator and tables included)`
          : '',
    });
  } else rows.push(missing('7e', m7e, m.bigSweep));

  // 7f. The same sweep with --jobs 1: one worker on one core, whatever else the machine runs. With
  // 2 workers on a machine whose other work leaves about one core free, each worker gets half a
  // core and 7e doubles; this is the like-for-like peer of a one-thread PyTorch process.
  // Per run-step of the whole sweep (its wall ÷ runs × steps): runs trained two at a time in the
  // SIMD lanes each record the pair's time as their wall_time_s, so a run's own ÷ steps would
  // count that time twice; the sweep's wall counts everything once (node start, tables included).
  const m7f = `  same sweep with --jobs 1: the sweep's wall ÷ (runs × steps) (one worker, one core, everything included)`;
  const moOneWorker = m.bigSweepOneWorker.ok ? (m.bigSweepOneWorker.value.wallS.median * 1e6) / (m.bigSweepOneWorker.value.runs * b.steps) : null;
  if (m.bigSweepOneWorker.ok && moOneWorker !== null) {
    const s = m.bigSweepOneWorker.value;
    rows.push({
      id: '7f',
      measure: m7f,
      value: `${fmtNum(moOneWorker)} µs/run-step (sweep wall ${fmtNum(s.wallS.median)} s)`,
      target: '≤ 0.8 µs',
      result: moOneWorker <= 0.8 ? 'PASS' : 'FAIL',
      ratio:
        (s.cpuS?.[0]
          ? `CPU time of all its processes ÷ (runs × steps): ${fmtNum(((s.cpuS[0].workers + s.cpuS[0].coordinator) * 1e6) / (s.runs * b.steps))} µs ` +
            `(worker ${fmtNum((s.cpuS[0].workers * 1e6) / (s.runs * b.steps))}, coordinator ${fmtNum((s.cpuS[0].coordinator * 1e6) / (s.runs * b.steps))}); `
          : '') + `runs' own wall_time_s ÷ steps: ${fmtNum((s.runWallS.median * 1e6) / b.steps)} µs (a pair in the lanes shares its time)`,
    });
  } else rows.push(missing('7f', m7f, m.bigSweepOneWorker));

  // 11. The fixed cost of a run: CPU of coordinator and workers, per run, besides its steps.
  const m11 = `fixed cost of a run: (CPU of ${count(plan.fixedCost.runs)} runs − CPU of 2) ÷ ${count(plan.fixedCost.runs - 2)}, 10 steps each, --jobs 1`;
  if (m.fixedCost.ok) {
    const f = m.fixedCost.value;
    rows.push({
      id: '11',
      measure: m11,
      value: `${fmtNum(f.cpuMsPerRun.median)} ms core/run (min ${fmtNum(f.cpuMsPerRun.min)}; n ${f.cpuMsPerRun.n})`,
      target: '≤ 1 ms',
      result: f.cpuMsPerRun.median <= 1 ? 'PASS' : 'FAIL',
      ratio: `wall ${fmtNum(f.wallMsPerRun.median)} ms/run`,
    });
  } else rows.push(missing('11', m11, m.fixedCost));

  // 10. The batched PyTorch peer, next to mo-train's in-run numbers (7f: one worker; 7e: two).
  const peers = (x: number) => {
    const parts = [];
    if (moOneWorker !== null) parts.push(`${fmtNum(x / moOneWorker)}× 7f`);
    if (moInRun !== null) parts.push(`${fmtNum(x / moInRun)}× 7e`);
    return parts.length > 0 ? parts.join(', ') : 'mo-train not measured (7e, 7f)';
  };
  plan.torchBatched.sizes.forEach((size, i) => {
    const id = `10${'abcdefgh'[i] ?? String(i)}`;
    const o = m.torchBatched[i] ?? { ok: false, error: 'not measured' };
    const measure = `batched PyTorch peer, R=${count(size.runs)} × ${steps(size.steps)} steps, log every ${plan.torchBatched.logEvery}: µs per run-step (1 thread)`;
    if (!o.ok) {
      rows.push(missing(id, measure, o));
      return;
    }
    const t = o.value;
    rows.push({
      id,
      measure,
      value: `${fmtNum(t.usPerRunStep.median)} µs/run-step (min ${fmtNum(t.usPerRunStep.min)}; n=${t.usPerRunStep.n})`,
      target: '',
      result: 'info',
      ratio:
        `PyTorch ÷ mo-train in-run: ${peers(t.usPerRunStep.median)}; ` +
        `with writing the ${count(t.runs)} CSVs (${dur(t.csvS.median)}, ${count(t.rowsPerRun)} rows each): ${fmtNum(t.usPerRunStepWithCsv.median)} µs, ${peers(t.usPerRunStepWithCsv.median)}; ` +
        `building the models ${dur(t.buildS)}, process ${dur(t.processWallS)}`,
    });
  });

  // 8. The command engine's cost per protocol line.
  const c = plan.command;
  const m8 = `mo-train run --command <child printing ${steps(c.lines)} protocol lines>: added wall/line`;
  if (m.commandThroughput.ok) {
    const t = m.commandThroughput.value;
    rows.push({
      id: '8a',
      measure: m8,
      value: `${usLine(t.addedUsPerLine)} (n=${t.underS.n})`,
      target: `≤ ${TARGETS.commandUsPerLine} µs/line`,
      result: passFail(t.addedUsPerLine <= TARGETS.commandUsPerLine),
      ratio: `(under − alone)/N: ${fmtNum(t.underS.median)} s (min ${fmtNum(t.underS.min)}) vs child alone → /dev/null ${fmtNum(t.aloneS.median)} s (min ${fmtNum(t.aloneS.min)}); ${fmtNum(t.underS.median / t.aloneS.median)}×`,
    });
    rows.push({
      id: '8b',
      measure: '  same runs, in-run: (summary wall_time_s − alone)/N',
      value: usLine(t.inRunAddedUsPerLine),
      target: `≤ ${TARGETS.commandUsPerLine} µs/line`,
      result: passFail(t.inRunAddedUsPerLine <= TARGETS.commandUsPerLine),
      ratio: `in-run ${fmtNum(t.inRunS.median)} s: without node startup and the final tables`,
    });
    rows.push({
      id: '8c',
      measure: "  same runs, mo-train's own CPU (user+sys, all threads)/N",
      value: `${fmtNum(t.cpuUsPerLine.median)} µs/line (min ${fmtNum(t.cpuUsPerLine.min)}; n=${t.cpuUsPerLine.n})`,
      target: `≤ ${TARGETS.commandUsPerLine} µs/line`,
      result: passFail(t.cpuUsPerLine.median <= TARGETS.commandUsPerLine),
      ratio: `startup included; 2 cores: child and mo-train overlap, so CPU shows what wall can hide; the child's own CPU under mo-train ${fmtNum(t.childCpuUnderS.median)} s`,
    });
  } else rows.push(missing('8a', m8, m.commandThroughput));
  const m8d = `  hot path in-process: split + parseProtocolLine + StepWatcher + steps.csv`;
  if (m.commandHotPath.ok) {
    const h = m.commandHotPath.value;
    rows.push({
      id: '8d',
      measure: m8d,
      value: `${fmtNum(h.usPerLine.median)} µs/line (min ${fmtNum(h.usPerLine.min)}; ${h.usPerLine.n}×${steps(h.steps)} lines)`,
      target: '',
      result: 'info',
      ratio: 'the same lines in 64 KiB chunks, no child, no pipe, no fsync',
    });
  } else rows.push(missing('8d', m8d, m.commandHotPath));

  // 9. seed_torch.py under mo-train vs alone.
  for (const [id, o, label] of [
    ['9a', m.commandTorch, 'as a user runs it'],
    ['9b', m.commandTorchBuffered, 'PYTHONUNBUFFERED= (buffered) for both'],
  ] as const) {
    const measure = `${id === '9a' ? '' : '  '}experiments/seed_torch.py ${steps(plan.seedTorch.steps)} steps, ${label}: under mo-train ÷ alone`;
    if (o.ok) {
      const t = o.value;
      rows.push({
        id,
        measure,
        value: `${t.ratio.toFixed(3)}× (n=${t.underS.n})`,
        target: id === '9a' ? `≤ ${TARGETS.commandOverAlone}×` : '',
        result: id === '9a' ? passFail(t.ratio <= TARGETS.commandOverAlone) : 'info',
        ratio: `${fmtNum(t.underS.median)} s (min ${fmtNum(t.underS.min)}) vs alone → /dev/null ${fmtNum(t.aloneS.median)} s (min ${fmtNum(t.aloneS.min)}); in-run ${fmtNum(t.inRunS.median)} s: ${t.inRunRatio.toFixed(3)}×`,
      });
    } else rows.push(missing(id, measure, o));
  }
  return rows;
}
