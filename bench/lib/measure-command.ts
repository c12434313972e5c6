/**
 * The `command` engine's cost (issue 12, measures 8 and 9): a training script run under
 * `mo-train run --command …` against the same script run alone with its stdout to /dev/null.
 * Alone and under mo-train alternate repeat by repeat, so a noisy neighbour slows both alike.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as LineSplitterModule from '../../src/engine/command/line-splitter.js';
import type * as ProtocolModule from '../../src/engine/command/protocol.js';
import type * as StepsWriterModule from '../../src/io/steps-writer.js';
import type * as WatchStepsModule from '../../src/train/watch-steps.js';
import { importDist, REPO_DIR } from './dist-import.js';
import { checkCliSucceeded, readRunSummaries, runCli } from './run-cli.js';
import { computeStats, type SampleStats } from './stats.js';

/** The child of measure 8: prints N protocol lines as fast as it can (why node: see the file). */
export const PROTOCOL_PRINTER = fileURLToPath(new URL('../protocol_printer.mjs', import.meta.url));
/** Records mo-train's own CPU time at its exit (see the file). */
const CPU_AT_EXIT = new URL('./cpu-at-exit.mjs', import.meta.url).href;
const SEED_TORCH = join(REPO_DIR, 'experiments', 'seed_torch.py');
/** What a pipe delivers per read on Linux, so the in-process measure is fed as the child's stdout is. */
const PIPE_CHUNK = 1 << 16;

/** An argument for `--command`, which mo-train splits like a shell (without one): quoted only when it has to be. */
function shellWord(s: string): string {
  return /^[\w./=+:,@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Environment variables added to the bench's own; one given as undefined is left out (spawn skips it). */
type EnvChanges = Readonly<Record<string, string | undefined>>;

/** Spawn → exit of a command with stdout to /dev/null, seconds; throws unless it exits 0. */
function timeAlone(argv: readonly string[], env: EnvChanges = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_DIR, env: { ...process.env, ...env }, stdio: ['ignore', devNull, 'pipe'] });
    closeSync(devNull);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const s = (performance.now() - t0) / 1000;
      if (code === 0) resolve(s);
      else reject(new Error(`bench: \`${argv.join(' ')}\` exited with ${code ?? signal}:\n${stderr.trim()}`));
    });
  });
}

interface UnderRun {
  /** Spawn → exit of `mo-train run`, seconds. */
  readonly wallS: number;
  /** The run's own summary.json wall_time_s: mo-train's startup and final tables left out. */
  readonly inRunS: number;
  /** The records cpu-at-exit.mjs wrote (mo-train's, and the script's when it is node). */
  readonly cpu: readonly CpuRecord[];
}

interface CpuRecord {
  readonly argv: readonly string[];
  readonly user_us: number;
  readonly system_us: number;
}

/** One `mo-train run --command …` that must finish having logged every one of its `steps`. */
async function runUnder(tmpDir: string, label: string, command: string, runArgs: readonly string[], steps: number, env: EnvChanges = {}): Promise<UnderRun> {
  const out = join(tmpDir, label);
  const cpuFile = join(tmpDir, `${label}.cpu.jsonl`);
  const args = ['run', '--command', command, ...runArgs, '--steps', String(steps), '--out', out];
  const result = await runCli(args, {
    env: { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${CPU_AT_EXIT}`.trim(), BENCH_CPU_FILE: cpuFile },
  });
  checkCliSucceeded(args, result);
  const [summary] = readRunSummaries(out);
  if (!summary || summary.status !== 'finished' || summary.rows_logged !== steps) {
    throw new Error(`bench: \`mo-train ${args.join(' ')}\` did not log its ${steps} steps (${summary?.status}, ${summary?.rows_logged} rows)`);
  }
  const cpu = existsSync(cpuFile)
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as CpuRecord)
    : [];
  rmSync(out, { recursive: true, force: true });
  rmSync(cpuFile, { force: true });
  return { wallS: result.wallS, inRunS: summary.wall_time_s, cpu };
}

const cpuS = (r: CpuRecord) => (r.user_us + r.system_us) / 1e6;

export interface ProtocolThroughput {
  readonly steps: number;
  /** The --command given to mo-train. */
  readonly command: string;
  /** The printer alone, stdout to /dev/null: spawn → exit, seconds. */
  readonly aloneS: SampleStats;
  /** `mo-train run --command <printer>`: spawn → exit, seconds. */
  readonly underS: SampleStats;
  /** The same runs' summary.json wall_time_s. */
  readonly inRunS: SampleStats;
  /** (median under − median alone) / steps, µs per line: mo-train's cost as the issue defines it. */
  readonly addedUsPerLine: number;
  /** (median in-run − median alone) / steps: the same without mo-train's own startup and tables. */
  readonly inRunAddedUsPerLine: number;
  /** mo-train's own CPU time (all threads, startup included) / steps, µs, one sample per repeat. */
  readonly cpuUsPerLine: SampleStats;
  /** The printer's own CPU time under mo-train, seconds (writing into a pipe mo-train reads). */
  readonly childCpuUnderS: SampleStats;
}

/**
 * Measure 8: bench/protocol_printer.mjs printing `steps` lines, alone (stdout to /dev/null) and
 * under `mo-train run --command`, alternately, `repeats` times each after one untimed run alone.
 */
export async function measureProtocolThroughput(tmpDir: string, steps: number, repeats: number): Promise<ProtocolThroughput> {
  const alone = [process.execPath, PROTOCOL_PRINTER, String(steps)];
  const command = `${shellWord(process.execPath)} ${shellWord(PROTOCOL_PRINTER)} {steps}`;
  await timeAlone(alone);
  const aloneS: number[] = [];
  const underS: number[] = [];
  const inRunS: number[] = [];
  const cpuUs: number[] = [];
  const childCpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    aloneS.push(await timeAlone(alone));
    const u = await runUnder(tmpDir, `command-printer-${r}`, command, [], steps);
    underS.push(u.wallS);
    inRunS.push(u.inRunS);
    const own = u.cpu.find((c) => c.argv.some((a) => a.endsWith('mo-train.js')));
    const child = u.cpu.find((c) => c.argv.includes(PROTOCOL_PRINTER));
    if (!own) throw new Error('bench: mo-train wrote no CPU record (NODE_OPTIONS --import of bench/lib/cpu-at-exit.mjs)');
    cpuUs.push((cpuS(own) * 1e6) / steps);
    if (child) childCpu.push(cpuS(child));
  }
  const a = computeStats(aloneS);
  const u = computeStats(underS);
  const i = computeStats(inRunS);
  return {
    steps,
    command,
    aloneS: a,
    underS: u,
    inRunS: i,
    addedUsPerLine: ((u.median - a.median) * 1e6) / steps,
    inRunAddedUsPerLine: ((i.median - a.median) * 1e6) / steps,
    cpuUsPerLine: computeStats(cpuUs),
    childCpuUnderS: childCpu.length > 0 ? computeStats(childCpu) : computeStats([NaN]),
  };
}

export interface HotPathTiming {
  readonly steps: number;
  readonly usPerLine: SampleStats;
}

/**
 * Measure 8d: mo-train's per-line work in this process, without a child or a pipe: the printer's
 * output (captured once) fed in 64 KiB chunks through what a command run does with its stdout —
 * LineSplitter, parseProtocolLine, StepWatcher.add and steps.csv's ReportedCsvWriter (written to
 * a file; the final fsync left out). Every repeat is a fresh watcher and file, as a run is.
 */
export async function measureProtocolHotPath(tmpDir: string, steps: number, repeats: number): Promise<HotPathTiming> {
  const { LineSplitter } = await importDist<typeof LineSplitterModule>('engine/command/line-splitter.js');
  const { parseProtocolLine } = await importDist<typeof ProtocolModule>('engine/command/protocol.js');
  const { StepWatcher } = await importDist<typeof WatchStepsModule>('train/watch-steps.js');
  const { openReportedStepsWriter } = await importDist<typeof StepsWriterModule>('io/steps-writer.js');
  const printed = spawnSync(process.execPath, [PROTOCOL_PRINTER, String(steps)], { maxBuffer: 256 * steps + (1 << 20) });
  if (printed.status !== 0) throw new Error(`bench: bench/protocol_printer.mjs exited with ${printed.status ?? printed.signal}`);
  const output = printed.stdout;
  const chunks: Buffer[] = [];
  for (let off = 0; off < output.length; off += PIPE_CHUNK) chunks.push(output.subarray(off, off + PIPE_CHUNK));
  const monitor = { max_loss: 1e6, max_param_norm: 1e6, stop_on_diverge: true };
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const path = join(tmpDir, `hot-path-${r}.csv`);
    const writer = openReportedStepsWriter(path);
    const watcher = new StepWatcher(0.01, monitor, writer);
    let other = 0;
    const splitter = new LineSplitter(1 << 20, {
      line(text) {
        const step = parseProtocolLine(text);
        if (step !== null) watcher.add(step);
        else other++;
      },
      overlong() {
        other++;
      },
    });
    const t0 = performance.now();
    for (const chunk of chunks) splitter.push(chunk);
    splitter.end();
    const t = performance.now() - t0;
    await writer.close();
    rmSync(path, { force: true });
    if (watcher.rowsLogged !== steps || other !== 0) throw new Error(`bench: the hot path logged ${watcher.rowsLogged} of ${steps} lines (${other} not steps)`);
    samples.push((t * 1000) / steps);
  }
  return { steps, usPerLine: computeStats(samples) };
}

export interface SeedTorchOverhead {
  readonly python: string;
  readonly steps: number;
  /**
   * PYTHONUNBUFFERED for both runs: `default` leaves it out of the environment (alone, the script
   * buffers its stdout as it chose; under mo-train, mo-train's own default applies), `buffered`
   * gives it as '' (unset, for Python) to both.
   */
  readonly pythonEnv: 'default' | 'buffered';
  /** `python experiments/seed_torch.py …` alone, stdout to /dev/null: spawn → exit, seconds. */
  readonly aloneS: SampleStats;
  /** The same under `mo-train run --command`: spawn → exit, seconds. */
  readonly underS: SampleStats;
  /** Those runs' summary.json wall_time_s. */
  readonly inRunS: SampleStats;
  /** median under ÷ median alone. */
  readonly ratio: number;
  readonly inRunRatio: number;
}

/**
 * Measure 9: experiments/seed_torch.py for `steps` steps (α 0.01, seed 0), alone and under
 * `mo-train run --command`, alternately, after one untimed run alone (the first `import torch`
 * reads its files from disk).
 *
 * PYTHONUNBUFFERED never comes from the bench's own environment (this VM sets it): it decides how
 * the script writes. The script prints with flush=False, so buffered it writes its stdout 8 KiB
 * at a time; unbuffered, every print is two write(2) calls (the line, then its newline) — to
 * /dev/null nearly free, into the pipe mo-train reads a wake-up of mo-train each. mo-train passes
 * its environment on as it is (a first version gave every script PYTHONUNBUFFERED=1, measured
 * here at 1.31–1.53× and taken out), so `default` — the comparison a user makes — and `buffered`
 * now measure the same thing.
 */
export async function measureSeedTorchOverhead(
  tmpDir: string,
  python: string,
  steps: number,
  repeats: number,
  pythonEnv: 'default' | 'buffered',
): Promise<SeedTorchOverhead> {
  const env = { PYTHONUNBUFFERED: pythonEnv === 'default' ? undefined : '' };
  const alone = [python, SEED_TORCH, '--alpha', '0.01', '--seed', '0', '--steps', String(steps)];
  const command = `${shellWord(python)} ${shellWord(SEED_TORCH)} --alpha {alpha} --seed {seed} --steps {steps}`;
  await timeAlone(alone, env);
  const aloneS: number[] = [];
  const underS: number[] = [];
  const inRunS: number[] = [];
  for (let r = 0; r < repeats; r++) {
    aloneS.push(await timeAlone(alone, env));
    const u = await runUnder(tmpDir, `command-torch-${r}`, command, ['--alpha', '0.01', '--seed', '0'], steps, env);
    underS.push(u.wallS);
    inRunS.push(u.inRunS);
  }
  const a = computeStats(aloneS);
  const u = computeStats(underS);
  const i = computeStats(inRunS);
  return { python, steps, pythonEnv, aloneS: a, underS: u, inRunS: i, ratio: u.median / a.median, inRunRatio: i.median / a.median };
}
