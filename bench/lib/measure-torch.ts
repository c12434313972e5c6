/**
 * The PyTorch references, run by the first Python 3 that can `import torch`: bench/torch_seed.py,
 * the seed loop as a researcher would write it, and bench/torch_batched.py, the batched peer an
 * expert writes for a sweep (every run's parameters stacked, one loop).
 */
import { spawn, spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeStats, type SampleStats } from './stats.js';

const SCRIPT = fileURLToPath(new URL('../torch_seed.py', import.meta.url));
const BATCHED_SCRIPT = fileURLToPath(new URL('../torch_batched.py', import.meta.url));

/**
 * `python3` on PATH first (what the brief names), then Debian's interpreter, where apt's
 * python3-torch installs (a pyenv or venv python3 earlier on PATH does not see it).
 * BENCH_PYTHON overrides both.
 */
function pythonCandidates(): string[] {
  const fromEnv = process.env.BENCH_PYTHON;
  return fromEnv ? [fromEnv] : ['python3', '/usr/bin/python3'];
}

export interface TorchProbe {
  readonly python: string;
  readonly torchVersion: string;
  readonly pythonVersion: string;
  /** torch.get_num_threads() with nothing set: what "default threads" means on this machine. */
  readonly defaultThreads: number;
}

export type TorchAvailability = { ok: true; probe: TorchProbe } | { ok: false; tried: string[] };

export function probeTorch(): TorchAvailability {
  const tried = pythonCandidates();
  for (const python of tried) {
    const r = spawnSync(python, ['-c', 'import sys, torch; print(torch.__version__, sys.version.split()[0], torch.get_num_threads())'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) continue;
    const [torchVersion, pythonVersion, threads] = r.stdout.trim().split(/\s+/);
    if (!torchVersion || !pythonVersion || !threads) continue;
    return { ok: true, probe: { python, torchVersion, pythonVersion, defaultThreads: Number(threads) } };
  }
  return { ok: false, tried };
}

interface ScriptRun {
  readonly json: Record<string, unknown>;
  /** Spawn to exit, seconds: includes Python startup and `import torch`. */
  readonly processWallS: number;
}

function runScript(python: string, args: readonly string[], script = SCRIPT): Promise<ScriptRun> {
  const name = `bench/${basename(script)}`;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const processWallS = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`bench: ${python} ${name} ${args.join(' ')} exited with ${code}:\n${stderr.trim()}`));
      try {
        resolve({ json: JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>, processWallS });
      } catch {
        reject(new Error(`bench: ${name} printed no JSON: ${stdout.slice(0, 200)}`));
      }
    });
  });
}

export interface TorchStepTiming {
  readonly threadsRequested: string;
  readonly threads: number;
  readonly steps: number;
  /** Seconds for one `steps`-step run's training loop, one sample per repeat. */
  readonly runS: SampleStats;
  readonly usPerStep: SampleStats;
}

export async function measureTorchSteps(
  python: string,
  threads: '1' | 'default',
  steps: number,
  repeats: number,
  warmup: number,
  alpha: number,
): Promise<TorchStepTiming> {
  const { json } = await runScript(python, [
    '--mode',
    'steps',
    '--threads',
    threads,
    '--steps',
    String(steps),
    '--repeats',
    String(repeats),
    '--warmup',
    String(warmup),
    '--alpha',
    String(alpha),
  ]);
  const seconds = json.seconds as number[];
  const runS = computeStats(seconds);
  return { threadsRequested: threads, threads: json.threads as number, steps, runS, usPerStep: computeStats(seconds.map((s) => (s * 1e6) / steps)) };
}

export interface TorchSweepTiming {
  readonly runs: number;
  readonly steps: number;
  readonly threads: number;
  /** The for loop over every run, seconds. */
  readonly loopS: number;
  /** The whole process: Python start, `import torch`, the loop. */
  readonly processWallS: number;
  readonly runS: SampleStats;
}

export async function measureTorchSweep(python: string, alphas: readonly number[], seeds: readonly number[], steps: number): Promise<TorchSweepTiming> {
  const { json, processWallS } = await runScript(python, [
    '--mode',
    'sweep',
    '--threads',
    '1',
    '--steps',
    String(steps),
    '--alphas',
    alphas.join(','),
    '--seeds',
    seeds.join(','),
  ]);
  return {
    runs: json.runs as number,
    steps,
    threads: json.threads as number,
    loopS: json.loop_seconds as number,
    processWallS,
    runS: computeStats(json.run_seconds as number[]),
  };
}

export interface TorchBatchedTiming {
  /** R: runs stacked into one set of batched tensors. */
  readonly runs: number;
  readonly steps: number;
  readonly logEvery: number;
  readonly threads: number;
  readonly dtype: string;
  /** CSV rows per run (the kept steps). */
  readonly rowsPerRun: number;
  /** Building the R models (torch_seed.build per run) and stacking them, seconds, once. */
  readonly buildS: number;
  /** The training loop, seconds, one sample per repeat. */
  readonly loopS: SampleStats;
  /** loop seconds ÷ (R × steps), µs: the in-run cost of one run's step. */
  readonly usPerRunStep: SampleStats;
  /** Writing the R CSV files after each repeat's loop, seconds. */
  readonly csvS: SampleStats;
  /** (loop + CSV) ÷ (R × steps), µs, per repeat. */
  readonly usPerRunStepWithCsv: SampleStats;
  /** The whole process: Python start, `import torch`, building, every repeat, seconds. */
  readonly processWallS: number;
}

/**
 * bench/torch_batched.py --mode bench: R runs of the seed problem stacked (α cycled over `alphas`,
 * seeds 0..R−1), one thread, `repeats` fresh loops of `steps` steps in one process, losses kept
 * every `logEvery` steps and every run's CSV written after each loop.
 */
export async function measureTorchBatched(
  python: string,
  runs: number,
  steps: number,
  repeats: number,
  logEvery: number,
  alphas: readonly number[],
): Promise<TorchBatchedTiming> {
  const { json, processWallS } = await runScript(
    python,
    [
      '--mode',
      'bench',
      '--threads',
      '1',
      '--runs',
      String(runs),
      '--steps',
      String(steps),
      '--repeats',
      String(repeats),
      '--log-every',
      String(logEvery),
      '--alphas',
      alphas.join(','),
    ],
    BATCHED_SCRIPT,
  );
  const loop = json.loop_seconds as number[];
  const csv = json.csv_seconds as number[];
  const perRunStep = (s: number) => (s * 1e6) / (runs * steps);
  return {
    runs,
    steps,
    logEvery,
    threads: json.threads as number,
    dtype: json.dtype as string,
    rowsPerRun: json.rows_per_run as number,
    buildS: json.build_seconds as number,
    loopS: computeStats(loop),
    usPerRunStep: computeStats(loop.map(perRunStep)),
    csvS: computeStats(csv),
    usPerRunStepWithCsv: computeStats(loop.map((s, i) => perRunStep(s + csv[i]!))),
    processWallS,
  };
}
