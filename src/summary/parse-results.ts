/**
 * Validation of the JSON files of a results directory (sweep.json, runs/<id>/summary.json,
 * runs/<id>/config.json), after io/json.ts has parsed them. Pure: values in, typed values or one
 * `path: what is wrong` issue out.
 *
 * Unknown keys are allowed here, unlike in a user's spec: these files are written by mo-train, and
 * a newer mo-train may add fields that this one should skip rather than reject.
 */
import { z } from 'zod';
import type { AxisValue } from '../spec/types.js';
import type { RunSummary } from './run-summary.js';
import { VERDICTS } from './verdict.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issue: string };

/** The format of sweep.json this version reads; newer ones are read as far as they match. */
export const SWEEP_FORMAT_VERSION = 1;

// io/json.ts turns "NaN"/"Infinity"/"-Infinity" back into numbers, and zod 4's z.number() rejects
// those: a diverged run's final loss is a legitimate NaN, so accept any number.
const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number (NaN and ±Infinity allowed)' });
const count = z.number().int().nonnegative();
const axisValue = z.union([anyNumber, z.string(), z.boolean()]);
const coords = z.record(z.string(), axisValue);

/** A run id becomes a directory name under runs/: nothing that could step outside it. */
export function isSafeRunId(id: string): boolean {
  return id.length > 0 && id !== '.' && id !== '..' && !/[/\\\0]/.test(id);
}

const runId = z.string().refine(isSafeRunId, { message: 'not a safe directory name (empty, ".", ".." or containing / \\ or NUL)' });

export interface SweepRunEntry {
  readonly id: string;
  readonly coords: Readonly<Record<string, AxisValue>>;
}

export interface SweepRecord {
  readonly format_version: number;
  readonly name: string | null;
  readonly runs: readonly SweepRunEntry[];
}

const sweepSchema = z.looseObject({
  format_version: z.number().int().positive(),
  name: z.string().optional(),
  runs: z.array(z.looseObject({ id: runId, coords })),
});

/** Reads the version first so a caller can say "newer than I know" even when the rest does not match. */
export function parseSweepFormatVersion(value: unknown): number | null {
  const head = z.looseObject({ format_version: z.number().int().positive() }).safeParse(value);
  return head.success ? head.data.format_version : null;
}

export function parseSweepRecord(value: unknown): Parsed<SweepRecord> {
  const parsed = sweepSchema.safeParse(value);
  if (!parsed.success) return { ok: false, issue: describeIssues(parsed.error) };
  const seen = new Set<string>();
  for (const [i, run] of parsed.data.runs.entries()) {
    if (seen.has(run.id)) return { ok: false, issue: `runs.${i}.id: "${run.id}" appears twice, run ids must be unique` };
    seen.add(run.id);
  }
  return {
    ok: true,
    value: {
      format_version: parsed.data.format_version,
      name: parsed.data.name ?? null,
      runs: parsed.data.runs.map((r) => ({ id: r.id, coords: r.coords })),
    },
  };
}

const windowStats = z.object({
  from_step: anyNumber,
  to_step: anyNumber,
  rows: count,
  // Absent from summaries written before the window was accumulated from every step.
  steps: count.optional(),
  loss1_mean: anyNumber,
  loss1_min: anyNumber,
  loss1_max: anyNumber,
  loss1_trend: anyNumber,
  loss1_residual: anyNumber.optional(),
  loss2_last: anyNumber,
  loss2_mean: anyNumber,
  loss2_min: anyNumber,
  loss2_max: anyNumber,
  loss2_trend: anyNumber,
  loss2_rate: anyNumber,
  loss2_weight_max: anyNumber.optional(),
});

// `satisfies` keeps this in step with the RunSummary interface: a field added there and not here
// is a compile error, not a silently stripped value.
const runSummarySchema = z.object({
  format_version: z.number().int().positive(),
  id: z.string(),
  status: z.enum(['finished', 'failed']),
  verdict: z.enum(VERDICTS),
  explanation: z.string(),
  alpha: anyNumber,
  seed: z.number().int(),
  coords,
  engine: z.string(),
  steps_requested: count,
  steps_run: count,
  rows_logged: count,
  start: z.object({ loss1: anyNumber, loss2: anyNumber }).nullable(),
  final: z.object({ step: count, loss1: anyNumber, loss2: anyNumber, total: anyNumber }).nullable(),
  min_loss1: z.object({ value: anyNumber, step: count }).nullable(),
  window: windowStats.nullable(),
  loss1_behaviour: z.enum(['settled', 'oscillating', 'falling', 'rising']).nullable(),
  loss2_behaviour: z.enum(['steady', 'growing', 'falling', 'swinging']).nullable(),
  divergence: z.object({ step: count, reason: z.string(), detail: z.string() }).nullable(),
  no_gradient: z.array(z.enum(['loss1', 'loss2'])),
  // Absent from summaries written before the diagnostics existed.
  diagnostics: z
    .object({
      rows_with_cosine: count,
      measured_every: count.optional(),
      conflict_fraction: anyNumber.nullable(),
      cos12_median: anyNumber.nullable(),
      weight_median: anyNumber.nullable(),
      weight_final: anyNumber.nullable(),
    })
    .nullable()
    .default(null),
  warnings: z.array(z.string()),
  // `step`: the training step a failed run threw at; absent when it failed outside a step, and from older summaries.
  error: z.object({ message: z.string(), stack: z.string().optional(), step: count.nullable().optional() }).nullable(),
  wall_time_s: anyNumber,
}) satisfies z.ZodType<RunSummary>;

export function parseRunSummary(value: unknown): Parsed<RunSummary> {
  const parsed = runSummarySchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issue: describeIssues(parsed.error) };
}

/** The part of a run's config.json that summarize uses: where the run sits on the grid. */
export interface RunConfigCoords {
  readonly id: string;
  readonly coords: Readonly<Record<string, AxisValue>>;
}

const configSchema = z.looseObject({ id: z.string(), coords });

export function parseRunConfigCoords(value: unknown): Parsed<RunConfigCoords> {
  const parsed = configSchema.safeParse(value);
  return parsed.success ? { ok: true, value: { id: parsed.data.id, coords: parsed.data.coords } } : { ok: false, issue: describeIssues(parsed.error) };
}

/** `path: message` of the first issue, and how many more there are: one line for a person. */
function describeIssues(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return 'does not match the expected shape';
  const path = first.path.length > 0 ? first.path.map(String).join('.') : '(top level)';
  const more = rest.length > 0 ? ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})` : '';
  return `${path}: ${first.message}${more}`;
}

/** What summarize checks in steps.csv: how many complete rows it has and the last one. */
export interface StepsTail {
  /** Complete data rows: lines after the header that end with a newline. */
  readonly rows: number;
  readonly last: { readonly step: number; readonly loss1: number; readonly loss2: number; readonly total: number } | null;
  /** The file ends with a line without its newline (a write cut short); that line is not counted. */
  readonly partial_line: boolean;
}

const STEPS_HEAD = ['step', 'loss1', 'loss2', 'total'] as const;

/**
 * Counts the complete rows of steps.csv text and parses the last one; only the header and the
 * last complete line are parsed, so this stays cheap on long runs.
 */
/**
 * What summarize needs of a steps.csv, gathered without holding the file in memory: its first line,
 * its end, and how many newlines it has.
 */
export interface StepsExcerpt {
  /** The text up to the first newline (the whole text when there is none). */
  readonly head: string;
  /** The last complete line (without its newline), or '' when there are fewer than two lines. */
  readonly lastLine: string;
  /** Newline characters in the file: complete lines, header included. */
  readonly newlines: number;
  /** Whether text follows the last newline (a line cut off mid-write, which is ignored). */
  readonly partial: boolean;
}

/** The excerpt of a whole text (tests, small files). */
export function computeStepsExcerpt(text: string): StepsExcerpt {
  const end = text.lastIndexOf('\n');
  let newlines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) newlines += 1;
  const first = text.indexOf('\n');
  return {
    head: first < 0 ? text : text.slice(0, first),
    lastLine: newlines >= 2 ? text.slice(text.lastIndexOf('\n', end - 1) + 1, end) : '',
    newlines,
    partial: end < text.length - 1,
  };
}

export function parseStepsCsv(text: string): Parsed<StepsTail> {
  return parseStepsExcerpt(computeStepsExcerpt(text));
}

export function parseStepsExcerpt(e: StepsExcerpt): Parsed<StepsTail> {
  if (e.newlines === 0) return { ok: true, value: { rows: 0, last: null, partial_line: e.head.length > 0 } };
  const header = stripCr(e.head).split(',');
  if (STEPS_HEAD.some((c, i) => header[i] !== c)) {
    return { ok: false, issue: `header is "${header.join(',')}", expected it to start with ${STEPS_HEAD.join(',')}` };
  }
  const rows = e.newlines - 1;
  if (rows === 0) return { ok: true, value: { rows: 0, last: null, partial_line: e.partial } };
  const cells = stripCr(e.lastLine).split(',');
  const values: number[] = [];
  for (const [i, name] of STEPS_HEAD.entries()) {
    const v = parseCsvNumber(cells[i] ?? '');
    if (v === null) return { ok: false, issue: `line ${e.newlines}: ${name} is "${cells[i] ?? ''}", not a number` };
    values.push(v);
  }
  const [step, loss1, loss2, total] = values as [number, number, number, number];
  return { ok: true, value: { rows, last: { step, loss1, loss2, total }, partial_line: e.partial } };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A steps.csv number: decimal or exponent form, or NaN / Infinity / -Infinity. Null for anything else (Number('') is 0). */
export function parseCsvNumber(text: string): number | null {
  if (text === 'NaN') return NaN;
  if (text === 'Infinity' || text === '+Infinity') return Infinity;
  if (text === '-Infinity') return -Infinity;
  return DECIMAL.test(text) ? Number(text) : null;
}

/**
 * Whether steps.csv backs up summary.json: as many complete rows as `rows_logged`, and its last row
 * equal to `final`. Exact equality (NaN equals NaN): both files spell numbers in shortest
 * round-trip form, so the same double reads back bit-identical. Returns what is wrong, or null.
 */
export function computeStepsMismatch(summary: RunSummary, steps: StepsTail): string | null {
  if (steps.rows !== summary.rows_logged) {
    return `${steps.rows} complete ${steps.rows === 1 ? 'row' : 'rows'}, but summary.json says rows_logged ${summary.rows_logged}`;
  }
  const final = summary.final;
  if (!steps.last) return final ? `no rows, but summary.json has a final row (step ${final.step})` : null;
  if (!final) return `${steps.rows} rows, but summary.json has no final row`;
  for (const key of STEPS_HEAD) {
    const a = steps.last[key];
    const b = final[key];
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) {
      return `last row has ${key} ${String(a)}, but summary.json final.${key} is ${String(b)}`;
    }
  }
  return null;
}
