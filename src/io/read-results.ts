/**
 * Reads a results directory (see DESIGN.md, "Results layout") into one record per run with its
 * state. It only reads files: nothing in the directory is imported or executed (sweep.json's
 * `module` is a path it never touches). Each file is validated here, at the edge; a broken run
 * becomes a `corrupt` record naming the file and what is wrong, not an exception.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pMap from 'p-map';
import { UserError } from '../errors.js';
import type { AxisValue } from '../spec/types.js';
import { parseInterruptedMarker } from '../results/interrupted-file.js';
import { parseJson } from '../results/json.js';
import { runFiles, RUNS_DIR, SWEEP_FILE } from '../results/layout.js';
import { parseFormatVersion, type Parsed } from '../results/parsed.js';
import { parseRunConfigCoords, parseRunConfigDocument } from '../results/run-config-parse.js';
import { computeStepsMismatch, parseStepsExcerpt, type StepsExcerpt, type StepsTail } from '../results/steps-file.js';
import { SUMMARY_FORMAT_VERSION } from '../results/summary-file.js';
import { parseRunSummary } from '../results/summary-parse.js';
import { parseSweepRecord, SWEEP_FORMAT_VERSION, type SweepRecord } from '../results/sweep-file.js';
import { sortRunsByCoords } from '../summary/aggregate.js';
import type { RunRecord } from '../summary/run-record.js';

/** Runs read at a time: enough to keep the file system busy, few enough for a process's open files. */
const READ_CONCURRENCY = 32;

export interface ResultsSet {
  /** The directory as the user gave it; every path in problems and notes starts with it. */
  readonly dir: string;
  /** sweep.json, when it was there and readable; null when the runs were discovered from runs/. */
  readonly sweep: { readonly format_version: number; readonly name: string | null } | null;
  /** In sweep.json's order (α, axes, seed), or sorted that way when discovered. */
  readonly runs: readonly RunRecord[];
  /** What a person should know that is not one run's state: stray entries, a newer format, no sweep.json. */
  readonly notes: readonly string[];
  /**
   * What is wrong with a sweep.json that is there but cannot be used (unreadable, not JSON, the
   * wrong shape), naming the file: also in `notes`, and what summarize, plot and report warn about
   * on stderr, since the runs they show may then not be the sweep's. Null when it was usable or absent.
   */
  readonly sweepIssue: string | null;
  /** sweep.json parsed but not validated (null when absent or not JSON): the report's settings read it field by field (parseSweepSettings). */
  readonly sweepDocument: unknown;
}

/** Throws UserError when `dir` is not a results directory at all. */
export async function readResults(dir: string): Promise<ResultsSet> {
  await requireDirectory(dir);
  const notes: string[] = [];
  const sweepPath = join(dir, SWEEP_FILE);
  const runsPath = join(dir, RUNS_DIR);
  const sweepFile = await readText(sweepPath);
  const entries = await listRunsDir(runsPath, notes);

  if (sweepFile.kind === 'absent' && entries === null) {
    throw new UserError(
      `${dir} has neither ${SWEEP_FILE} nor ${RUNS_DIR}/: not a results directory (pass the directory mo-train sweep or run wrote, the one holding ${SWEEP_FILE})`,
    );
  }
  let sweep: SweepRecord | null = null;
  let sweepIssue: string | null = null;
  let sweepDocument: unknown = null;
  if (sweepFile.kind === 'absent') {
    notes.push(`${sweepPath}: not found; runs discovered from ${runsPath}/`);
  } else {
    const read =
      sweepFile.kind === 'text' ? readSweep(sweepFile.text) : { sweep: null, document: null, newer: null, issue: `cannot read it (${sweepFile.reason})` };
    if (read.newer !== null)
      notes.push(`${sweepPath}: format_version ${read.newer} is newer than this mo-train reads (${SWEEP_FORMAT_VERSION}); reading what it can`);
    if (read.issue !== null) {
      if (entries === null) throw new UserError(`${sweepPath}: ${read.issue}, and there is no ${RUNS_DIR}/ directory to discover runs from`);
      sweepIssue = `${sweepPath}: ${read.issue}; runs discovered from ${runsPath}/ instead`;
      notes.push(sweepIssue);
    }
    sweep = read.sweep;
    sweepDocument = read.document;
  }

  const present = new Map((entries ?? []).map((e) => [e.name, e]));
  let runs: RunRecord[];
  if (sweep) {
    const expected = new Set(sweep.runs.map((r) => r.id));
    for (const name of present.keys()) {
      if (!expected.has(name)) notes.push(`${join(runsPath, name)}: not part of this sweep (not in ${SWEEP_FILE}); ignored`);
    }
    // Many runs at a time: each is a few small reads, and one after another the directory of a
    // 100,000-run plan took minutes, most of it waiting on the file system (measured: 86 s, 41 s idle).
    const read = await pMap(
      sweep.runs,
      async (entry) => {
        const own: string[] = [];
        return { run: await readRun(dir, entry.id, entry.coords, present.has(entry.id), own), own };
      },
      { concurrency: READ_CONCURRENCY },
    );
    // Each run's notes in the sweep's order, whatever order the reads finished in.
    runs = read.map((r) => r.run);
    for (const r of read) notes.push(...r.own);
  } else {
    const found = await pMap(
      [...present.keys()].sort(),
      async (name) => {
        const own: string[] = [];
        if (await isDirectory(join(runsPath, name))) return { run: await readRun(dir, name, null, true, own), own };
        return { run: null, own: [`${join(runsPath, name)}: not a run directory; ignored`] };
      },
      { concurrency: READ_CONCURRENCY },
    );
    for (const r of found) notes.push(...r.own);
    runs = sortRunsByCoords(found.flatMap((r) => (r.run === null ? [] : [r.run])));
  }
  return { dir, sweep: sweep ? { format_version: sweep.format_version, name: sweep.name } : null, runs, notes, sweepIssue, sweepDocument };
}

/** sweep.json's runs and its parsed document, the newer format_version it has if any, and what is wrong with it if it cannot be used. */
function readSweep(text: string): { sweep: SweepRecord | null; document: unknown; newer: number | null; issue: string | null } {
  if (text.trim() === '') return { sweep: null, document: null, newer: null, issue: 'empty file' };
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    return { sweep: null, document: null, newer: null, issue: `not valid JSON (${(err as Error).message})` };
  }
  const version = parseFormatVersion(value);
  const newer = version !== null && version > SWEEP_FORMAT_VERSION ? version : null;
  const parsed = parseSweepRecord(value);
  return parsed.ok ? { sweep: parsed.value, document: value, newer, issue: null } : { sweep: null, document: value, newer, issue: parsed.issue };
}

async function readRun(
  dir: string,
  id: string,
  sweepCoords: Readonly<Record<string, AxisValue>> | null,
  present: boolean,
  notes: string[],
): Promise<RunRecord> {
  const path = join(dir, RUNS_DIR, id);
  if (!present) {
    return {
      id,
      path,
      state: 'missing',
      coords: sweepCoords ?? {},
      summary: null,
      rows: null,
      problem: `${path}: no run directory (not started yet, or run by another shard)`,
    };
  }
  if (!(await isDirectory(path))) {
    return { id, path, state: 'corrupt', coords: sweepCoords ?? {}, summary: null, rows: null, problem: `${path}: not a directory` };
  }

  const configCoords = await readConfigCoords(join(path, runFiles.config), id, notes);
  const stepsPath = join(path, runFiles.steps);
  const stepsFile = await readStepsExcerpt(stepsPath);
  const steps: Parsed<StepsTail> | null =
    stepsFile.kind === 'absent'
      ? null
      : stepsFile.kind === 'excerpt'
        ? parseStepsExcerpt(stepsFile.excerpt)
        : { ok: false, issue: `cannot read it (${stepsFile.reason})` };
  const rows = steps?.ok ? steps.value.rows : null;
  const coords = sweepCoords ?? configCoords ?? {};
  const corrupt = (problem: string, c = coords): RunRecord => ({ id, path, state: 'corrupt', coords: c, summary: null, rows, problem });

  const summaryPath = join(path, runFiles.summary);
  const summaryFile = await readText(summaryPath);
  if (summaryFile.kind === 'unreadable') return corrupt(`${summaryPath}: cannot read it (${summaryFile.reason})`);
  if (summaryFile.kind === 'absent') {
    const progress = rows === null ? 'no steps.csv yet' : `${rows} ${rows === 1 ? 'row' : 'rows'} in steps.csv so far`;
    const stoppedAt = await readInterruptedSteps(join(path, runFiles.interrupted));
    const what = stoppedAt !== null ? `interrupted after ${stoppedAt} steps` : 'still running, or stopped without a trace (killed)';
    return { id, path, state: 'unfinished', coords, summary: null, rows, problem: `${path}: no summary.json — ${what} (${progress}); a resume does it again` };
  }
  const summaryText = summaryFile.text;
  if (summaryText.trim() === '') return corrupt(`${summaryPath}: empty file`);
  let value: unknown;
  try {
    value = parseJson(summaryText);
  } catch (err) {
    return corrupt(`${summaryPath}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = parseRunSummary(value);
  if (!parsed.ok) {
    const version = parseFormatVersion(value);
    const newer =
      version !== null && version > SUMMARY_FORMAT_VERSION ? ` (format_version ${version} is newer than this mo-train reads, ${SUMMARY_FORMAT_VERSION})` : '';
    return corrupt(`${summaryPath}: ${parsed.issue}${newer}`);
  }
  const summary = parsed.value;
  // Read as far as it matches, like sweep.json — and said, since its fields may mean more than they do here.
  if (summary.format_version > SUMMARY_FORMAT_VERSION) {
    notes.push(`${summaryPath}: format_version ${summary.format_version} is newer than this mo-train reads (${SUMMARY_FORMAT_VERSION}); reading what it can`);
  }
  const summaryCoords = sweepCoords ?? summary.coords;
  if (summary.id !== id) return corrupt(`${summaryPath}: id is "${summary.id}", expected "${id}" (its directory's name)`, summaryCoords);

  if (summary.status === 'failed') {
    // A failed run's steps.csv holds whatever was written before it failed: nothing to cross-check.
    const rows = steps !== null && steps.ok ? steps.value.rows : 0;
    return { id, path, state: 'failed', coords: summaryCoords, summary, rows, problem: null };
  }
  let tail: StepsTail;
  if (steps === null) {
    // A run that failed before its first step may never have opened steps.csv.
    if (summary.rows_logged === 0) tail = { rows: 0, last: null, partial_line: false };
    else return corrupt(`${stepsPath}: missing, but summary.json says ${summary.rows_logged} rows were logged`, summaryCoords);
  } else if (!steps.ok) {
    return corrupt(`${stepsPath}: ${steps.issue}`, summaryCoords);
  } else {
    tail = steps.value;
  }
  const mismatch = computeStepsMismatch(summary, tail);
  if (mismatch) return corrupt(`${stepsPath}: ${mismatch}`, summaryCoords);

  return { id, path, state: summary.status, coords: summaryCoords, summary, rows: tail.rows, problem: null };
}

/** The run's coords from config.json, or null with a note when it is missing or not a run config. */
async function readConfigCoords(path: string, id: string, notes: string[]): Promise<Readonly<Record<string, AxisValue>> | null> {
  const file = await readText(path);
  if (file.kind !== 'text') {
    notes.push(`${path}: ${file.kind === 'absent' ? 'not found' : `cannot read it (${file.reason})`}`);
    return null;
  }
  let value: unknown;
  try {
    value = parseJson(file.text);
  } catch (err) {
    notes.push(`${path}: not valid JSON (${(err as Error).message})`);
    return null;
  }
  const parsed = parseRunConfigCoords(value);
  if (!parsed.ok) {
    notes.push(`${path}: ${parsed.issue}`);
    return null;
  }
  if (parsed.value.id !== id) notes.push(`${path}: id is "${parsed.value.id}", expected "${id}" (its directory's name)`);
  return parsed.value.coords;
}

/** Where an interrupted run stopped (interrupted.json's steps_run), or null without a readable marker. */
async function readInterruptedSteps(path: string): Promise<number | null> {
  const file = await readText(path);
  if (file.kind !== 'text') return null;
  try {
    const parsed = parseInterruptedMarker(parseJson(file.text));
    return parsed.ok ? parsed.value.steps_run : null;
  } catch {
    return null;
  }
}

/**
 * A run's config.json as its settings, for showing them (the report); null when it is absent, not
 * JSON or not an object: readResults has already reported what summarize needs of it.
 */
export async function readRunConfigDocument(runPath: string): Promise<Readonly<Record<string, unknown>> | null> {
  const file = await readText(join(runPath, runFiles.config));
  if (file.kind !== 'text') return null;
  try {
    return parseRunConfigDocument(parseJson(file.text));
  } catch {
    return null;
  }
}

async function requireDirectory(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory())
      throw new UserError(`${dir} is a file, not a results directory (pass the directory holding ${SWEEP_FILE} and ${RUNS_DIR}/)`);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${dir}: no such directory (pass the results directory mo-train sweep or run wrote, e.g. results/<name>)`);
    throw new UserError(`${dir}: cannot read it (${code ?? (err as Error).message})`);
  }
}

/** Entries of runs/ other than hidden ones (editor and OS litter); null when there is no runs/. */
async function listRunsDir(path: string, notes: string[]): Promise<Dirent[] | null> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') {
      notes.push(`${path}: not a directory; ignored`);
      return null;
    }
    throw new UserError(`${path}: cannot read it (${code ?? (err as Error).message})`);
  }
}

type FileText = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'absent' } | { readonly kind: 'unreadable'; readonly reason: string };

/** A file's text; absent when it does not exist; unreadable (permissions, a directory in its place) is reported by the caller. */
async function readText(path: string): Promise<FileText> {
  try {
    return { kind: 'text', text: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'unreadable', reason: code ?? (err as Error).message };
  }
}

export type StepsFile =
  { readonly kind: 'excerpt'; readonly excerpt: StepsExcerpt } | { readonly kind: 'absent' } | { readonly kind: 'unreadable'; readonly reason: string };

/**
 * steps.csv can be hundreds of megabytes: count its newlines in fixed-size chunks and keep only
 * its first line and its last complete line, so summarize's memory stays flat.
 */
export async function readStepsExcerpt(path: string): Promise<StepsFile> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'absent' } : { kind: 'unreadable', reason: code ?? (err as Error).message };
  }
  try {
    // No larger than the file (a 1 MiB buffer per run was most of summarize's garbage collection
    // on a 1,000-run sweep of 150 KB files).
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(1 << 20, (await handle.stat()).size + 1)));
    let newlines = 0;
    let head: string | null = null;
    let headBytes: Buffer[] = [];
    let size = 0;
    let lastByte = -1;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      const i = buf.indexOf(10);
      if (head === null) {
        if (i >= 0 && i < bytesRead) head = Buffer.concat([...headBytes, buf.subarray(0, i)]).toString('utf8');
        else headBytes.push(Buffer.from(buf.subarray(0, bytesRead)));
      }
      // A plain loop over the bytes, not buf.indexOf per line: measured on a 1,000-run sweep
      // (1M lines), indexOf's per-call overhead was 2.1 s of summarize's 6 s; this loop is ~0.1 s.
      for (let j = Math.max(i, 0); j < bytesRead; j++) if (buf[j] === 10) newlines++;
      lastByte = buf[bytesRead - 1]!;
    }
    if (head === null) head = Buffer.concat(headBytes).toString('utf8');
    headBytes = [];
    const partial = size > 0 && lastByte !== 10;
    let lastLine = '';
    if (newlines >= 2) {
      // The last complete line ends at the last newline; read backwards until the one before it.
      for (let span = 4096; ; span *= 4) {
        const start = Math.max(0, size - span);
        const tail = Buffer.alloc(size - start);
        await handle.read(tail, 0, tail.length, start);
        const end = tail.lastIndexOf(10);
        // (Buffer.lastIndexOf counts a negative offset from the end, so guard end = 0.)
        const begin = end > 0 ? tail.lastIndexOf(10, end - 1) : -1;
        if ((end >= 0 && begin >= 0) || start === 0) {
          lastLine = tail.subarray(begin + 1, end).toString('utf8');
          break;
        }
      }
    }
    return { kind: 'excerpt', excerpt: { head, lastLine, newlines, partial } };
  } catch (err) {
    return { kind: 'unreadable', reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  } finally {
    await handle.close();
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
