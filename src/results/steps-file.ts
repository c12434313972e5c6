/**
 * `runs/<id>/steps.csv` — one row per logged step, written as the run goes (io/steps-writer.ts).
 * Its version is its header: readers find columns by name, so columns may be added at the end
 * without breaking older readers (and summarize needs only the first four).
 */
import type { StepRow } from '../train/train-loop.js';
import type { RunSummary } from './summary-file.js';
import type { Parsed } from './parsed.js';

/** The header, in order: pandas and users' scripts read these names. */
export const STEP_COLUMNS = ['step', 'loss1', 'loss2', 'total', 'grad_norm1', 'grad_norm2', 'param_norm', 'weight', 'cos12'] as const satisfies readonly (keyof StepRow)[];

// A StepRow field the header leaves out would be silently dropped from every run's file.
type MissingColumn = Exclude<keyof StepRow, (typeof STEP_COLUMNS)[number]>;
const everyFieldHasAColumn: [MissingColumn] extends [never] ? true : MissingColumn = true;
void everyFieldHasAColumn;

/** What summarize checks in steps.csv: how many complete rows it has and the last one. */
export interface StepsTail {
  /** Complete data rows: lines after the header that end with a newline. */
  readonly rows: number;
  readonly last: { readonly step: number; readonly loss1: number; readonly loss2: number; readonly total: number } | null;
  /** The file ends with a line without its newline (a write cut short); that line is not counted. */
  readonly partial_line: boolean;
}

/** The columns summarize checks against summary.json's `final`; the first four of STEP_COLUMNS. */
const STEPS_HEAD = ['step', 'loss1', 'loss2', 'total'] as const satisfies readonly (typeof STEP_COLUMNS)[number][];

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

/**
 * Counts the complete rows of steps.csv text and parses the last one; only the header and the
 * last complete line are parsed, so this stays cheap on long runs.
 */
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
