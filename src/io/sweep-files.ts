/**
 * The sweep-level files: the output directory and sweep.json (its shape: results/sweep-file.ts).
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { computeDirectoryName } from '../spec/directory-name.js';
import type { SweepSpec } from '../spec/types.js';
import { parseJson, stringifyJson } from '../results/json.js';
import { LOCK_FILE, RUNS_DIR, SWEEP_FILE } from '../results/layout.js';
import { parseFormatVersion } from '../results/parsed.js';
import { hashRunConfig } from '../results/run-config-file.js';
import { parseStoredManifest, SWEEP_FORMAT_VERSION, type StoredManifest, type SweepManifest } from '../results/sweep-file.js';
import { writeFileAtomic } from './atomic-write.js';
import { readPackageVersion } from './package-version.js';

export function buildManifest(
  spec: SweepSpec,
  invocation: { readonly argv: readonly string[]; readonly cwd: string; readonly flags: Readonly<Record<string, unknown>> },
  created: Date,
): SweepManifest {
  const first = spec.runs[0];
  const module = first?.experiment.kind === 'module' ? { path: first.experiment.path, sha256: first.experiment.sha256 } : null;
  const script = first?.experiment.kind === 'command' ? first.experiment.script : null;
  return {
    format_version: SWEEP_FORMAT_VERSION,
    name: spec.name,
    created: created.toISOString(),
    mo_train_version: readPackageVersion(),
    node: process.version,
    argv: invocation.argv,
    cwd: invocation.cwd,
    flags: invocation.flags,
    document: spec.document,
    grid: { alpha: spec.alphas, seeds: spec.seeds, axes: spec.axes },
    runs: spec.runs.map((r) => ({ id: r.id, coords: r.coords, config_sha256: hashRunConfig(r) })),
    module,
    ...(script ? { script } : {}),
  };
}

/** sweep.json of an existing results directory, for resuming; null when there is none. */
export function readSweepManifest(outDir: string, shownAs: string): StoredManifest | null {
  const path = join(outDir, SWEEP_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // ENOTDIR: the directory is a file; the caller reports that (e.g. "--out X: is a file").
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new UserError(`${shownAs}/${SWEEP_FILE}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new UserError(`${shownAs}/${SWEEP_FILE}: not valid JSON (${(err as Error).message}); this directory cannot be resumed`);
  }
  const version = parseFormatVersion(value);
  if (version !== null && version > SWEEP_FORMAT_VERSION) {
    throw new UserError(
      `${shownAs}/${SWEEP_FILE}: written by a newer mo-train (format ${version}, this one reads ${SWEEP_FORMAT_VERSION}); resume it with that version`,
    );
  }
  const parsed = parseStoredManifest(value);
  if (!parsed.ok) throw new UserError(`${shownAs}/${SWEEP_FILE}: ${parsed.issue}; this directory cannot be resumed`);
  return parsed.value;
}

export function writeSweepManifest(outDir: string, manifest: SweepManifest): void {
  writeFileAtomic(join(outDir, SWEEP_FILE), stringifyJson(manifest));
}

/**
 * Creates the output directory (and runs/). An explicit `--out` must be new or empty: an existing
 * sweep is never overwritten. ("Empty" includes what a sweep killed before it wrote sweep.json
 * leaves — an empty runs/, its .lock, a temporary file — so the same command again can start it;
 * the caller's lock then decides whether that sweep is really gone.) Without `--out`:
 * results/<name>-<UTC time>, suffixed -2, -3… if taken.
 */
export function prepareOutDir(out: string | undefined, name: string, now: Date, cwd: string): string {
  let dir: string;
  if (out !== undefined) {
    dir = resolve(cwd, out);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UserError(`--out ${out}: is a file, not a directory; pass a new directory`);
      if (readdirSync(dir).some((entry) => !isUnstartedSweepRemains(dir, entry))) {
        throw new UserError(`--out ${out}: already exists and is not empty (it may hold another sweep); pass a new directory`);
      }
    }
  } else {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const base = resolve(cwd, 'results', `${computeDirectoryName(name)}-${stamp}`);
    dir = base;
    for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  }
  try {
    makeDirs(join(dir, RUNS_DIR));
  } catch (err) {
    throw new UserError(`--out ${out ?? dir}: cannot create it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return dir;
}

function isUnstartedSweepRemains(dir: string, entry: string): boolean {
  if (entry === LOCK_FILE || /^\..+\.\d+\.tmp$/.test(entry)) return true;
  if (entry !== RUNS_DIR) return false;
  const runs = join(dir, RUNS_DIR);
  return lstatSync(runs).isDirectory() && readdirSync(runs).length === 0;
}

/**
 * `mkdir -p`, without Node's `recursive: true`: that one spins forever on a path under a virtual
 * file system like /proc, where mkdir fails with ENOENT although the parent exists (Node takes it
 * for a missing parent, creates the parent — EEXIST — and tries again, without end). Here every
 * error is final.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * runs/ of a resumed sweep (it may never have been created if the sweep died that early). It must
 * be a real directory: results are never written through a symbolic link out of the sweep.
 */
export function ensureRunsDir(outDir: string): void {
  const runs = join(outDir, RUNS_DIR);
  try {
    const stat = lstatSync(runs);
    if (stat.isSymbolicLink() || !stat.isDirectory()) {
      throw new UserError(
        `${runs}: is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; mo-train writes runs only into a real runs/ directory of the sweep`,
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(runs);
  }
}

/**
 * Temporary files of atomic writes (`.<name>.<pid>.tmp`, see atomic-write.ts) that a process
 * killed in the middle of one (kill -9, power loss) left in the sweep's directory — summary.csv's,
 * say. A resume, holding the lock, removes those whose writer is gone; returns their names. (Run
 * directories need none of this: a run that was not finished is cleared whole.)
 */
export function removeStaleTempFiles(outDir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(outDir)) {
    const pid = /^\..+\.(\d+)\.tmp$/.exec(name)?.[1];
    if (pid === undefined || isProcessAlive(Number(pid))) continue;
    try {
      unlinkSync(join(outDir, name));
      removed.push(name);
    } catch {
      // removed meanwhile
    }
  }
  return removed;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
