/**
 * `npm run bench`: every performance measure of mo-train on the seed problem, side by side with
 * PyTorch, in one run; prints one table and writes bench/results/latest.json plus a timestamped
 * copy. See bench/README.md for what each measure is and how it is taken.
 *
 *   npm run bench              the full bench (a few minutes)
 *   npm run bench -- --quick   smaller sizes, for working on the bench; numbers not comparable
 *   npm run bench -- --only big-sweep-jobs1,torch-batched    only these measures (names: MEASURE_NAMES)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildRows, TARGETS, type Measurements, type Outcome } from './lib/build-rows.js';
import { REPO_DIR } from './lib/dist-import.js';
import { readMachineFacts } from './lib/machine.js';
import { measureBigSweep, measureCliRun, measureFixedCost, measureSweep } from './lib/measure-cli.js';
import { measureProtocolHotPath, measureProtocolThroughput, measureSeedTorchOverhead } from './lib/measure-command.js';
import { BENCH_ALPHA, measureFusedKernel, measureTfjsKernel } from './lib/measure-oracle.js';
import { measureTorchBatched, measureTorchSteps, measureTorchSweep, probeTorch, type TorchProbe } from './lib/measure-torch.js';
import { FULL_PLAN, QUICK_PLAN } from './lib/plan.js';
import { renderTable } from './lib/render-table.js';

const SEED_MODULE = 'experiments/seed.ts';
const RESULTS_DIR = join(REPO_DIR, 'bench', 'results');
const RESULTS_FORMAT_VERSION = 1;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** Runs one measure; a failure becomes that measure's row instead of stopping the bench. */
async function attempt<T>(label: string, f: () => Promise<T>): Promise<Outcome<T>> {
  const t0 = performance.now();
  log(`${label} …`);
  try {
    const value = await f();
    log(`${label}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`${label} failed: ${message}`);
    return { ok: false, error: message.split('\n')[0] ?? message };
  }
}

/** `2026-11-26T03-20-05Z`: UTC, sortable, and a valid file name everywhere. */
function fileStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
}

/** `--only` names, each a group of the table's rows. */
const MEASURE_NAMES = {
  fused: '1',
  'cli-fused': '2a, 2b',
  tfjs: '3a; 3b with torch',
  'cli-tfjs': '3c, 3d',
  torch: '4a, 4b; 3b, 6a with the others',
  sweep: '5; 6a, 6b with torch',
  'torch-sweep': '6b',
  'big-sweep': '7a–7e',
  'big-sweep-jobs1': '7f',
  'fixed-cost': '11',
  'torch-batched': '10a–c; their ratios need big-sweep-jobs1 and big-sweep',
  command: '8a–8d',
  'seed-torch': '9a, 9b',
} as const;
type MeasureName = keyof typeof MEASURE_NAMES;

interface Options {
  readonly quick: boolean;
  /** null: every measure. */
  readonly only: ReadonlySet<MeasureName> | null;
}

function parseArgs(argv: readonly string[]): Options | string {
  let quick = false;
  let only: Set<MeasureName> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const value = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!value) return '--only needs a comma-separated list of measure names';
      only ??= new Set();
      for (const name of value.split(',')) {
        if (!(name in MEASURE_NAMES))
          return `unknown measure "${name}" for --only; names (rows): ${Object.entries(MEASURE_NAMES)
            .map(([n, rows]) => `${n} (${rows})`)
            .join(', ')}`;
        only.add(name as MeasureName);
      }
    } else return `unknown argument "${a}"; allowed: --quick, --only <names>`;
  }
  return { quick, only };
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  if (typeof options === 'string') {
    process.stderr.write(`bench: ${options}\n`);
    return 2;
  }
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN;
  const notSelected = { ok: false as const, skipped: `skipped: not in --only ${[...(options.only ?? [])].join(',')}` };
  /** The measure when --only selects it (or there is no --only), else a skipped row. */
  const when = async <T>(name: MeasureName, f: () => Promise<Outcome<T>>): Promise<Outcome<T>> =>
    options.only === null || options.only.has(name) ? f() : notSelected;
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = readMachineFacts();
  const tmp = mkdtempSync(join(tmpdir(), 'mo-train-bench-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals, code: number) =>
    process.once(signal, () => {
      cleanup();
      process.exit(code);
    });
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);

  let m: Measurements;
  try {
    const alpha = String(BENCH_ALPHA);
    const fused = await when('fused', () => attempt('1. fused kernel in-process', () => measureFusedKernel(plan.fused)));
    const tfjs = await when('tfjs', () => attempt('3. tfjs oracle in-process', () => measureTfjsKernel(plan.tfjs, SEED_MODULE)));
    const cliFused = await when('cli-fused', () =>
      attempt('2. mo-train run, fused', () => measureCliRun(tmp, 'run-fused', ['--alpha', alpha], plan.cliFused.steps, plan.cliFused.repeats, true)),
    );
    const cliTfjs = await when('cli-tfjs', () =>
      attempt('3. mo-train run --module', () =>
        measureCliRun(
          tmp,
          'run-tfjs',
          ['--module', SEED_MODULE, '--alpha', alpha, '--backend', 'cpu', '--log-every', String(plan.cliTfjs.logEvery)],
          plan.cliTfjs.steps,
          plan.cliTfjs.repeats,
        ),
      ),
    );
    const s = plan.sweep;
    const sweep = await when('sweep', () =>
      attempt('5. 12-run sweep', () => measureSweep(tmp, ['--alpha', s.alphas.join(','), '--seeds', s.seeds.join(','), '--steps', String(s.steps)], s.repeats)),
    );
    const b = plan.bigSweep;
    const bigSweep = await when('big-sweep', () =>
      attempt('7. large sweep with memory sampling', () =>
        measureBigSweep(tmp, ['--alpha', b.alpha, '--seeds', b.seeds, '--steps', String(b.steps), '--log-every', String(b.logEvery)], b.sampleMs),
      ),
    );
    const bigSweepOneWorker = await when('big-sweep-jobs1', () =>
      attempt('7f. large sweep, --jobs 1', () =>
        measureSweep(tmp, ['--alpha', b.alpha, '--seeds', b.seeds, '--steps', String(b.steps), '--log-every', String(b.logEvery), '--jobs', '1'], 1, {
          cpu: true,
        }),
      ),
    );

    const fixedCost = await when('fixed-cost', () =>
      attempt('11. the fixed cost of a run', () => measureFixedCost(tmp, plan.fixedCost.runs, plan.fixedCost.repeats)),
    );

    const available = probeTorch();
    const skipped = `skipped: PyTorch not importable by ${available.ok ? '' : available.tried.join(' or ')} (apt-get install python3-torch)`;
    const torchProbe: Outcome<TorchProbe> = available.ok ? { ok: true, value: available.probe } : { ok: false, skipped };
    const whenTorch = async <T>(name: MeasureName, label: string, f: (python: string) => Promise<T>): Promise<Outcome<T>> =>
      when(name, async () => (available.ok ? attempt(label, () => f(available.probe.python)) : { ok: false, skipped }));
    const t = plan.torch;
    const torch1 = await whenTorch('torch', '4. PyTorch, 1 thread', (py) => measureTorchSteps(py, '1', t.steps, t.repeats, t.warmupSteps, BENCH_ALPHA));
    const torchDefault = await whenTorch('torch', '4. PyTorch, default threads', (py) =>
      measureTorchSteps(py, 'default', t.steps, t.repeats, t.warmupSteps, BENCH_ALPHA),
    );
    const torchSweep: Outcome<Awaited<ReturnType<typeof measureTorchSweep>>> = plan.quick
      ? { ok: false, skipped: 'skipped in --quick (12 PyTorch runs take about a minute)' }
      : await whenTorch('torch-sweep', '6. PyTorch, 12 runs back to back', (py) => measureTorchSweep(py, s.alphas, s.seeds, s.steps));
    const tb = plan.torchBatched;
    const torchBatched = [];
    for (const size of tb.sizes) {
      torchBatched.push(
        await whenTorch('torch-batched', `10. batched PyTorch peer, R=${size.runs} × ${size.steps} steps × ${size.repeats}`, (py) =>
          measureTorchBatched(py, size.runs, size.steps, size.repeats, tb.logEvery, tb.alphas),
        ),
      );
    }
    const c = plan.command;
    const commandThroughput = await when('command', () =>
      attempt('8. mo-train run --command, protocol lines', () => measureProtocolThroughput(tmp, c.lines, c.repeats)),
    );
    const commandHotPath = await when('command', () =>
      attempt('8d. protocol hot path in-process', () => measureProtocolHotPath(tmp, c.lines, c.hotPathRepeats)),
    );
    const st = plan.seedTorch;
    const commandTorch = await whenTorch('seed-torch', '9a. seed_torch.py alone vs under mo-train run --command', (py) =>
      measureSeedTorchOverhead(tmp, py, st.steps, st.repeats, 'default'),
    );
    const commandTorchBuffered = await whenTorch('seed-torch', '9b. the same, PYTHONUNBUFFERED= for both', (py) =>
      measureSeedTorchOverhead(tmp, py, st.steps, st.bufferedRepeats, 'buffered'),
    );
    m = {
      plan,
      fused,
      cliFused,
      tfjs,
      cliTfjs,
      torchProbe,
      torch1,
      torchDefault,
      sweep,
      torchSweep,
      bigSweep,
      bigSweepOneWorker,
      fixedCost,
      torchBatched,
      commandThroughput,
      commandHotPath,
      commandTorch,
      commandTorchBuffered,
    };
  } finally {
    cleanup();
  }

  const durationS = (performance.now() - t0) / 1000;
  const finishedAt = new Date();
  const rows = buildRows(m);
  const stampFile = join(RESULTS_DIR, `${fileStamp(startedAt)}.json`);
  const torchLine = m.torchProbe.ok
    ? `PyTorch ${m.torchProbe.value.torchVersion} (${m.torchProbe.value.python}, Python ${m.torchProbe.value.pythonVersion}): float32, Adam lr 1e-3, loss1/loss2 .item() logged every step; torch's default here is ${m.torchProbe.value.defaultThreads} thread(s).`
    : 'PyTorch: not importable, its rows are skipped.';
  const loadEnd = loadavg().map((x) => x.toFixed(2));
  const only = options.only === null ? null : [...options.only];
  const footer = [
    `${plan.quick ? 'QUICK MODE (--quick): smaller sizes, numbers NOT comparable with a full run. ' : ''}${only ? `ONLY ${only.join(', ')} (--only): the other rows were not measured. ` : ''}Values are medians, (min …) the least disturbed repeat; n = repeats.`,
    'This VM has noisy neighbours: timings move between runs, so every ratio is taken from medians measured in this same run.',
    `α = ${BENCH_ALPHA} for single runs. Worker RSS "flat" = each worker's VmRSS at the end ≤ ${TARGETS.flatRatio}× its VmRSS once 10% of the runs had finished.`,
    torchLine,
    'Batched PyTorch peer (10): bench/torch_batched.py, all R runs stacked into [R, out, in] tensors (baddbmm), one Adam, float32, 1 thread; losses kept every 10 steps in memory, then a CSV per run; µs per run-step = loop s ÷ (R × steps), compared per core with 7f (the 1,000-run sweep with --jobs 1: one mo-train worker, one thread) and 7e (2 workers).',
    `Machine: node ${machine.node} (${process.execArgv.filter((a) => a.startsWith('--max')).join(' ') || 'default heap flags'}, as bin/mo-train.js and its workers), ${machine.cpus} × ${machine.cpu_model}, ${machine.os}, load average at start ${machine.loadavg_start.join(' ')}, at end ${loadEnd.join(' ')}; git ${machine.git.commit ?? '?'}${machine.git.dirty ? ' (dirty tree)' : ''}.`,
    `Bench took ${durationS.toFixed(0)} s. Results: ${relative(REPO_DIR, join(RESULTS_DIR, 'latest.json'))} and ${relative(REPO_DIR, stampFile)}.`,
  ];
  const table = renderTable(rows, footer);

  const document = {
    format_version: RESULTS_FORMAT_VERSION,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_s: durationS,
    quick: plan.quick,
    only,
    loadavg_end: loadavg(),
    machine: { ...machine, torch: m.torchProbe.ok ? m.torchProbe.value : null },
    plan,
    rows,
    measures: m,
    table,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(document, null, 2)}\n`;
  writeFileSync(stampFile, json);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);

  process.stdout.write(`\nmo-train bench — seed problem (${startedAt.toISOString()})\n\n${table}`);
  const errored = rows.some((r) => r.value.startsWith('error:'));
  return errored ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
