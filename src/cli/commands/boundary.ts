/**
 * `mo-train boundary`: where along one setting (α, a learning rate, …) training turns unstable,
 * per seed — the search (boundary/search.ts) over ordinary runs of the sweep's worker pool, in an
 * ordinary results directory (summarize, plot and report read it), with boundary.json beside
 * sweep.json. The same command again resumes: the search is replayed over the finished probes
 * (never run twice) and goes on from where it stopped.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildBoundaryFile, type BoundaryMeta, type ProbeRecord } from '../../boundary/boundary-result.js';
import { createProbeSpecs, type AcrossAxis, type ProbeSpecs } from '../../boundary/probe-specs.js';
import { searchBoundary, type ProbeOutcome, type ProbeRequest, type SearchRange } from '../../boundary/search.js';
import { UserError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { readSpecFile, resolveUserFile } from '../../io/user-files.js';
import { buildManifest, readSweepManifest, writeSweepManifest } from '../../io/sweep-files.js';
import { stringifyJson } from '../../results/json.js';
import { BOUNDARY_FILE } from '../../results/layout.js';
import type { BoundaryFile } from '../../results/boundary-file.js';
import type { BoundarySearchSettings, SweepManifest } from '../../results/sweep-file.js';
import type { RunSummary } from '../../results/summary-file.js';
import { preflight } from '../../runner/preflight.js';
import { createResultsDir, lockSweepToResume, prepareResume, type OpenResultsDir } from '../../runner/results-dir.js';
import { createWorkerPool, runSweepRuns, type WorkerPool } from '../../runner/run-sweep.js';
import { canonicalSettingKey } from '../../spec/spec-keys.js';
import { parseSetValues } from '../../spec/parse-flags.js';
import { SETTINGS } from '../../spec/settings.js';
import type { AxisValue, RunConfig } from '../../spec/types.js';
import { VERDICTS, type Verdict } from '../../summary/verdict.js';
import { exitCodeOf, listenForInterrupts } from '../interrupts.js';
import { processOutput, resultsFromSummaries, writeTablesOf } from '../print-summary.js';
import { createProgress } from '../progress.js';
import { renderBoundary } from '../render-boundary.js';
import { DEFAULT_REL_TOL, DEFAULT_UNSTABLE, type BoundaryOptions } from '../boundary-options.js';
import { nameAfterModule, pickSpecFlags, readPreflightOptions } from '../spec-from-options.js';
import { parsePoolLimits } from './sweep.js';

/** What the flags ask to search, checked. */
interface SearchAsked {
  readonly param: string;
  readonly range: SearchRange;
  readonly unstable: readonly Verdict[];
  readonly across: AcrossAxis | null;
}

export async function boundaryCommand(opts: BoundaryOptions, argv: readonly string[]): Promise<number> {
  const cwd = process.cwd();
  const err = process.stderr;
  const started = performance.now();
  if (opts.resume !== undefined) throw new UserError('--resume: a boundary search resumes by running the same command again (same --out)');
  if (opts.queue !== undefined) throw new UserError('--queue: a boundary search runs its probes here, round by round; use --jobs');
  const limits = parsePoolLimits(opts, cwd);
  const asked = parseSearchFlags(opts);
  const flags = pickSpecFlags(opts);
  const file = opts.spec !== undefined ? readSpecFile(opts.spec, cwd) : undefined;
  const probes = createProbeSpecs(
    flags,
    file,
    { mode: 'sweep', cwd, resolveFile: resolveUserFile },
    asked.param,
    [asked.range.lo, asked.range.hi],
    asked.across,
  );
  const settings: BoundarySearchSettings = {
    param: asked.param,
    range: [asked.range.lo, asked.range.hi],
    scale: asked.range.scale,
    rel_tol: asked.range.relTol,
    unstable_verdicts: asked.unstable,
    across: asked.across,
  };

  // The results directory: a new one, or this same search again (resumed).
  const targetAbs = opts.out !== undefined ? resolve(cwd, opts.out) : undefined;
  const stored = targetAbs !== undefined && existsSync(targetAbs) ? readSweepManifest(targetAbs, opts.out!) : null;
  const now = new Date();
  const checked = await preflight(probes.base.runs, readPreflightOptions(opts));
  const spec = nameAfterModule(probes.base, checked.moduleName);
  const manifestOf = (runs: readonly RunConfig[]): SweepManifest => ({
    ...buildManifest({ ...spec, runs }, { argv, cwd, flags }, now),
    ...(stored !== null ? { created: stored.created } : {}),
    boundary: settings,
  });
  let dir: OpenResultsDir;
  let done: readonly RunSummary[] = [];
  let known: RunConfig[] = [];
  if (stored !== null) {
    if (stored.boundary === undefined) throw new UserError(`--out ${opts.out}: holds a sweep, not a boundary search; pass a new directory`);
    const differs = diffSearch(stored.boundary, settings);
    if (differs.length > 0) {
      throw new UserError(
        `--out ${opts.out} holds a different boundary search; run it with its own settings to resume it, or pass a new --out for this one. What differs: ${differs.join('; ')}`,
      );
    }
    // The runs it has, resolved again from their coordinates: a changed module or setting shows as a changed config.
    known = stored.runs.map((r) => probeOfCoords(probes, asked, r.coords)).filter((r) => r !== null);
    dir = lockSweepToResume(targetAbs!, opts.out!, stored, manifestOf(known), now, { boundarySearch: true });
  } else {
    dir = createResultsDir(opts.out, `${spec.name}-boundary`, manifestOf([]), now, cwd);
  }

  const shown = relative(cwd, dir.path) || '.';
  const rerun = `run the same command again to resume (mo-train boundary … --out ${shown})`;
  let pool: WorkerPool | null = null;
  const interrupts = listenForInterrupts({
    onFirst(sig) {
      err.write(`${sig}: stopping — running probes stop after their current step; ${sig === 'SIGINT' ? 'Ctrl-C' : sig} again aborts at once\n`);
      pool?.interrupt();
    },
    onSecond(sig) {
      pool?.abort();
      dir.lock.release();
      err.write(`\nmo-train: aborted by a second ${sig}; ${rerun}\n`);
    },
  });
  try {
    if (stored !== null) done = (await prepareResume(dir.path)).done;
    for (const w of [...dir.warnings, ...checked.warnings]) err.write(`warning: ${w}\n`);
    const finished = new Map(done.map((s) => [s.id, s]));
    const listed = new Map(known.filter((r) => finished.has(r.id)).map((r) => [r.id, r]));
    const records = new Map<string, ProbeRecord>();
    const recordKey = (track: number, value: number) => `${track}\u0000${value}`;
    const tracks = probes.tracks;
    const jobs = limits.jobs;
    err.write(
      `mo-train boundary: ${asked.param} over [${asked.range.lo}, ${asked.range.hi}] (${asked.range.scale}), ${tracks.length} search${tracks.length === 1 ? '' : 'es'}` +
        ` (seeds {${spec.seeds.join(', ')}}${asked.across ? ` × ${asked.across.key} ∈ {${asked.across.values.join(', ')}}` : ''}), ${jobs} worker${jobs === 1 ? '' : 's'} → ${shown}` +
        `${finished.size > 0 ? ` — resuming: ${finished.size} probes finished` : ''}\n`,
    );
    const meta: BoundaryMeta = { param: asked.param, range: asked.range, unstableVerdicts: asked.unstable, across: asked.across, jobs, wallTimeS: 0 };
    const outcomeOf = (s: RunSummary): ProbeOutcome => (s.status === 'failed' ? 'failed' : asked.unstable.includes(s.verdict) ? 'unstable' : 'stable');

    const evaluate = async (requests: readonly ProbeRequest[], round: number): Promise<ProbeOutcome[] | null> => {
      if (interrupts.first !== null) return null;
      const runs = requests.map((q) => probes.probe(tracks[q.track]!, q.value));
      const toRun = [...new Map(runs.filter((r) => !finished.has(r.id)).map((r) => [r.id, r])).values()];
      for (const r of runs) listed.set(r.id, r);
      // sweep.json lists every probe before it runs: a kill leaves them unfinished, redone on resume.
      writeSweepManifest(dir.path, manifestOf(sortProbes([...listed.values()], asked.param)));
      if (toRun.length > 0) {
        err.write(
          `round ${round}: ${requests.length} probe${requests.length === 1 ? '' : 's'}${toRun.length < requests.length ? ` (${requests.length - toRun.length} finished before)` : ''}\n`,
        );
        // Workers are forked when a run is handed out: a round of fewer probes than --jobs starts fewer.
        pool ??= createWorkerPool(jobs, limits.workerMemoryMb !== undefined ? { workerMemoryMb: limits.workerMemoryMb } : {});
        const progress = createProgress({ stepsOf: new Map(toRun.map((r) => [r.id, r.steps])), jobs, stream: err, transient: true });
        let ran;
        try {
          ran = await runSweepRuns(
            pool,
            toRun,
            dir.path,
            { ...progress, onWorkerOutput: (id, line) => progress.log(`[${id}] ${line}`) },
            limits.runTimeout !== undefined ? { runTimeoutMs: limits.runTimeout * 1000 } : {},
          );
        } finally {
          progress.stop();
        }
        for (const r of ran) if (r.status === 'finished' || r.status === 'failed') finished.set(r.id, r);
        // A round whose every probe finished counts even if a signal came meanwhile: the next round stops.
        if (ran.some((r) => r.status === 'interrupted' || r.status === 'not-started')) return null;
      }
      return requests.map((q, i) => {
        const s = finished.get(runs[i]!.id)!;
        records.set(recordKey(q.track, q.value), {
          verdict: s.verdict,
          runId: s.id,
          error: s.status === 'failed' ? (s.error?.message.split('\n')[0] ?? 'failed') : null,
        });
        return outcomeOf(s);
      });
    };

    let boundary: BoundaryFile | null = null;
    const writeBoundary = (result: Parameters<typeof buildBoundaryFile>[2]) => {
      boundary = buildBoundaryFile({ ...meta, wallTimeS: (performance.now() - started) / 1000 }, tracks, result, (t, v) => records.get(recordKey(t, v))!);
      writeFileAtomic(join(dir.path, BOUNDARY_FILE), stringifyJson(boundary));
    };
    // boundary.json after every round (complete: false), so a search stopped anyhow leaves its brackets so far.
    const result = await searchBoundary(asked.range, tracks.length, jobs, evaluate, writeBoundary);
    writeBoundary(result);
    writeTables(
      dir.path,
      spec.name,
      [...listed.keys()].map((id) => finished.get(id)).filter((s) => s !== undefined),
    );
    const output = processOutput();
    process.stdout.write('\n');
    output.out(renderBoundary(boundary!, output.render.width));
    output.out(`\nwrote ${join(shown, BOUNDARY_FILE)}; every probe is a run: mo-train summarize|plot|report ${shown}\n`);
    if (!result.complete) {
      const signal = interrupts.first;
      err.write(`mo-train: interrupted${signal ? ` (${signal})` : ''}: the brackets so far are in ${BOUNDARY_FILE}; ${rerun}\n`);
      return exitCodeOf(signal);
    }
    const failed = boundary!.seeds.filter((s) => s.status === 'failed');
    if (failed.length > 0) {
      err.write(
        `mo-train: ${failed.length} of ${tracks.length} searches stopped at a failed probe (details in runs/<id>/summary.json); ` +
          `once its cause is fixed, run the same command again (it redoes the failed probes; after an edit to the experiment's code, pass a new --out)\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    interrupts.stop();
    dir.lock.release();
    await (pool as WorkerPool | null)?.terminate();
  }
}

/** --param, --range, --scale, --unstable, --rel-tol and --across, each checked with a one-line error. */
export function parseSearchFlags(opts: BoundaryOptions): SearchAsked {
  if (opts.param === undefined) throw new UserError('--param: missing; allowed: the setting to search, alpha or any numeric setting such as optimizer.lr');
  const param = canonicalSettingKey(opts.param.trim());
  const info = SETTINGS[param];
  const numeric = param === 'alpha' || (info !== undefined && info.kind === 'number' && info.sweepable);
  if (!numeric) {
    throw new UserError(
      `--param ${opts.param}: ${info === undefined ? 'not a setting' : 'not a numeric setting that can vary'}; allowed: alpha, or a numeric setting such as optimizer.lr, optimizer.eps, experiment.target`,
    );
  }
  if (opts.range === undefined) throw new UserError('--range: missing; allowed: LO,HI — two numbers, LO < HI (e.g. --range 1e-4,10)');
  const parts = opts.range.split(',').map((t) => t.trim());
  const [lo, hi] = parts.map(Number) as [number, number];
  if (parts.length !== 2 || parts.some((t) => t === '') || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new UserError(
      `--range: "${opts.range}" is not valid; allowed: LO,HI — two finite numbers, LO < HI (e.g. --range 1e-4,10; a negative LO as --range=-1,1)`,
    );
  }
  const scaleText = opts.scale ?? (lo > 0 ? 'log' : 'linear');
  if (scaleText !== 'log' && scaleText !== 'linear') throw new UserError(`--scale: "${scaleText}" is not valid; allowed: log, linear`);
  if (scaleText === 'log' && lo <= 0) throw new UserError(`--scale log: the range starts at ${lo}; allowed: a range above 0 (LO > 0), or --scale linear`);
  const unstableText = opts.unstable ?? DEFAULT_UNSTABLE.join(',');
  const unstable = unstableText.split(',').map((t) => t.trim());
  const allowedVerdicts = VERDICTS.filter((v) => v !== 'failed');
  const wrong = unstable.find((t) => !(allowedVerdicts as readonly string[]).includes(t));
  if (wrong !== undefined || unstable.length === 0) {
    throw new UserError(
      `--unstable: "${wrong ?? unstableText}" is not a verdict that can count as unstable; allowed: a comma-separated list of ${allowedVerdicts.join(', ')} (a failed run is never a verdict on stability)`,
    );
  }
  if (unstable.length === allowedVerdicts.length)
    throw new UserError(`--unstable: every verdict counts as unstable, so there is nothing to search; allowed: some of ${allowedVerdicts.join(', ')}`);
  const relTol = opts.relTol === undefined ? DEFAULT_REL_TOL : opts.relTol.trim() === '' ? NaN : Number(opts.relTol);
  if (!Number.isFinite(relTol) || relTol <= 0 || relTol > 1) {
    throw new UserError(`--rel-tol: "${opts.relTol}" is not valid; allowed: a number > 0 and ≤ 1 (default ${DEFAULT_REL_TOL}: brackets within 5%)`);
  }
  if (relTol < 1e-6) throw new UserError(`--rel-tol: ${relTol} is finer than the runs can tell apart; allowed: a number ≥ 1e-6 and ≤ 1`);
  const across = opts.across === undefined ? null : parseAcross(opts.across, param);
  return { param, range: { lo, hi, scale: scaleText, relTol }, unstable: [...new Set(unstable)] as Verdict[], across };
}

function parseAcross(text: string, param: string): AcrossAxis {
  const eq = text.indexOf('=');
  const form = 'KEY=v1,v2,… (e.g. --across optimizer.lr=1e-4,1e-3,1e-2)';
  if (eq <= 0) throw new UserError(`--across: "${text}" is not valid; allowed: ${form}`);
  const key = canonicalSettingKey(text.slice(0, eq).trim());
  const info = SETTINGS[key];
  if (key === param) throw new UserError(`--across ${key}: the searched setting itself; allowed: another setting than --param ${param}`);
  if (key === 'seeds') throw new UserError('--across seeds: every seed is searched already; give them with --seeds');
  if (key !== 'alpha' && (info === undefined || !info.sweepable || info.settable === false)) {
    throw new UserError(`--across ${key}: not a setting that can vary; allowed: ${form}`);
  }
  const parsed = parseSetValues(key, key === 'alpha' ? 'numbers' : info!.kind, text.slice(eq + 1).trim());
  if (!parsed.ok || parsed.values.length === 0) throw new UserError(`--across ${key}: ${parsed.ok ? 'no values' : parsed.error}; allowed: ${form}`);
  const values = parsed.values as AxisValue[];
  if (new Set(values.map(String)).size !== values.length) throw new UserError(`--across ${key}: a value appears twice; allowed: distinct values`);
  return { key, values };
}

/** What differs between the search a directory holds and the one asked for now. */
function diffSearch(was: BoundarySearchSettings, now: BoundarySearchSettings): string[] {
  const out: string[] = [];
  for (const key of ['param', 'range', 'scale', 'rel_tol', 'unstable_verdicts', 'across'] as const) {
    const [a, b] = [JSON.stringify(was[key] ?? null), JSON.stringify(now[key] ?? null)];
    if (a !== b) out.push(`${key}: ${a} → ${b}`);
  }
  return out;
}

/**
 * The probe a stored run's coordinates name (its track and value), or null when they name none of
 * this search's (another seed list, say): left out, so that the comparison with sweep.json says
 * what differs.
 */
function probeOfCoords(probes: ProbeSpecs, asked: SearchAsked, coords: Readonly<Record<string, AxisValue>>): RunConfig | null {
  const value = coords[asked.param];
  const across = asked.across ? (coords[asked.across.key] ?? null) : null;
  const track = probes.tracks.find((t) => t.seed === coords.seed && t.across === across);
  return typeof value === 'number' && track !== undefined ? probes.probe(track, value) : null;
}

/** sweep.json's order: the probed value, then the seed, then the id (which holds the --across value) — as a sweep orders its grid, α then seed. */
function sortProbes(runs: RunConfig[], param: string): RunConfig[] {
  const valueOf = (r: RunConfig) => (param === 'alpha' ? r.alpha : (r.coords[param] as number));
  return runs.sort((a, b) => valueOf(a) - valueOf(b) || a.seed - b.seed || a.id.localeCompare(b.id));
}

/** summary.csv and by-alpha.csv, as a sweep leaves them (not printed: the boundary table is the summary). */
function writeTables(dir: string, name: string, summaries: readonly RunSummary[]): void {
  const { writeError } = writeTablesOf(dir, resultsFromSummaries(dir, name, summaries));
  if (writeError !== null) process.stderr.write(`mo-train: ${writeError}\n`);
}
