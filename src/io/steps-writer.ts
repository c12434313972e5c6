/**
 * steps.csv: one row per logged step, appended as the run goes, so memory stays flat however long
 * the run.
 *
 * Hand-written, not csv-stringify (measured on the seed model: csv-stringify costs ~14 µs per row,
 * several times the ~2 µs training step). Every field is a number, so no field ever needs quoting,
 * and a number is written exactly as csv-stringify's number cast (`'' + x`) writes it: the
 * shortest round-trip form, with non-finite values spelled NaN, Infinity and -Infinity (what
 * pandas and parseFloat read back). test/unit/steps-writer.test.ts holds the output byte for byte
 * against csv-stringify's.
 *
 * Number formatting is the cost of a logged step: V8 turns a double into its shortest string in
 * ~0.3–0.7 µs, ~2 µs for a row of six. JSON.stringify of the row as an array formats all nine in
 * one native call, with the same number-to-string conversion, in ~0.9 µs (measured on this
 * machine, 300k rows of random doubles); it would spell non-finite numbers `null`, so a row that
 * has one takes the template path. Rows are gathered into ~64 KiB chunks and written
 * synchronously: a run owns its worker, and a synchronous write of a full chunk is cheaper than
 * the stream machinery.
 */
import { closeSync, fsync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { STEP_COLUMNS } from '../results/steps-file.js';
import type { StepRow, StepSink } from '../train/train-loop.js';
import type { ReportedRow, ReportedRowSink } from '../train/watch-steps.js';

export interface StepsWriter extends StepSink {
  /** Writes what is buffered, syncs it to disk (fsync) and closes the file. */
  close(): Promise<void>;
}

/** Bytes gathered before a write: large enough to amortize the syscall, small enough to stay flat. */
const CHUNK = 1 << 16;

/**
 * write(2) may write less than asked — on a full disk it writes what fits and returns the count;
 * the next write then fails with ENOSPC. Ignoring the count would lose the tail of the file
 * silently (a "finished" run with a truncated steps.csv), so the rest is written until it fails.
 */
function writeAll(fd: number, text: string): void {
  const written = writeSync(fd, text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (written === bytes) return;
  const buf = Buffer.from(text, 'utf8');
  for (let off = written; off < bytes;) off += writeSync(fd, buf, off, bytes - off);
}

export function openStepsWriter(path: string): StepsWriter {
  return new CsvStepsWriter(path);
}

/**
 * A class, not an object of closures: the training loop calls `write` on every logged step, and a
 * prototype method is the same function in every run, so the loop's optimized code (which inlines
 * it) survives from one run to the next in a worker.
 */
class CsvStepsWriter implements StepsWriter {
  private readonly fd: number;
  private chunk = `${STEP_COLUMNS.join(',')}\n`;
  private closed = false;
  // Reused for every row: packed arrays of doubles, the fast case of JSON.stringify. The short one
  // is for rows whose cosine (the last column) is NaN — every row after loss1 reaches exactly 0
  // (∇loss1 = 0), most of an α = 0 run — which would otherwise all take the template path, one
  // number-to-string conversion per field (see above).
  private readonly row = [0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  private readonly rowWithoutCosine = [0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];

  constructor(path: string) {
    // 'wx': never overwrite an existing run's steps.
    this.fd = openSync(path, 'wx');
  }

  write(r: StepRow): boolean {
    const f = Number.isFinite;
    if (f(r.loss1) && f(r.loss2) && f(r.total) && f(r.grad_norm1) && f(r.grad_norm2) && f(r.param_norm) && f(r.weight)) {
      const cosine = f(r.cos12);
      const row = cosine ? this.row : this.rowWithoutCosine;
      row[0] = r.step;
      row[1] = r.loss1;
      row[2] = r.loss2;
      row[3] = r.total;
      row[4] = r.grad_norm1;
      row[5] = r.grad_norm2;
      row[6] = r.param_norm;
      row[7] = r.weight;
      if (cosine) row[8] = r.cos12;
      const json = JSON.stringify(row);
      this.chunk += cosine ? `${json.slice(1, -1)}\n` : `${json.slice(1, -1)},${r.cos12}\n`;
    } else {
      this.chunk += `${r.step},${r.loss1},${r.loss2},${r.total},${r.grad_norm1},${r.grad_norm2},${r.param_norm},${r.weight},${r.cos12}\n`;
    }
    if (this.chunk.length >= CHUNK) this.flush();
    return true;
  }

  async drain(): Promise<void> {
    // Writes are synchronous: there is never anything to wait for.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
      // On the thread pool, so it overlaps the run's other fsync (final-params.json).
      await promisify(fsync)(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  private flush(): void {
    if (this.chunk.length > 0) writeAll(this.fd, this.chunk);
    this.chunk = '';
  }
}

/** steps.csv of a command run (train/watch-steps.ts): rows as the script reported them. */
export interface ReportedStepsWriter extends ReportedRowSink {
  /** Extra keys not kept (first seen after the first row fixed the columns, or named like a column of mo-train's own), by the step they first came at. */
  readonly droppedKeys: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export function openReportedStepsWriter(path: string): ReportedStepsWriter {
  return new ReportedCsvWriter(path);
}

/**
 * The standard columns, then the script's extra numeric keys in the order its first step line
 * gave them (the header is written with the first row, so it knows them). A measurement the script
 * did not report is an empty cell — pandas reads it as NaN — so "not reported" stays apart from a
 * reported NaN. The script's keys are its own names: one that is not a plain identifier is quoted.
 */
class ReportedCsvWriter implements ReportedStepsWriter {
  private readonly fd: number;
  private chunk = '';
  private extraKeys: string[] | null = null;
  private closed = false;
  readonly droppedKeys = new Map<string, number>();
  // The hot path of a command run: a row per step the script prints. The same trick as
  // CsvStepsWriter's (above): step, loss1, loss2 and total, when finite, formatted by one
  // JSON.stringify of a reused packed array of doubles, and the weight (α, the same every row)
  // formatted once, not per row. Measured (CPU time per row on the 2-core VM, 300k rows as
  // bench/protocol_printer.mjs's lines become, no optional columns; `npm run bench` measure 8 for
  // the whole run): one template literal ~1.2 µs → ~0.7 µs. test/unit/steps-writer.test.ts holds
  // the output byte for byte against the template.
  private readonly numbers = [0.5, 0.5, 0.5, 0.5];
  private weight = NaN;
  private weightText = 'NaN';

  constructor(path: string) {
    this.fd = openSync(path, 'wx');
  }

  write(r: ReportedRow): boolean {
    if (this.extraKeys === null) this.writeHeader(Object.keys(r.extra));
    const keys = this.extraKeys!;
    const f = Number.isFinite;
    let line: string;
    if (f(r.loss1) && f(r.loss2) && f(r.total)) {
      const numbers = this.numbers;
      numbers[0] = r.step;
      numbers[1] = r.loss1;
      numbers[2] = r.loss2;
      numbers[3] = r.total;
      line = JSON.stringify(numbers).slice(1, -1);
    } else {
      line = `${r.step},${r.loss1},${r.loss2},${r.total}`;
    }
    // NaN !== NaN: a NaN weight is formatted every row, which only costs time.
    if (r.weight !== this.weight) {
      this.weight = r.weight;
      this.weightText = String(r.weight);
    }
    line += `,${cell(r.grad_norm1)},${cell(r.grad_norm2)},${cell(r.param_norm)},${this.weightText},${cell(r.cos12)}`;
    // Own keys only: a script's key named `constructor` must not read Object's.
    for (let i = 0; i < keys.length; i++) line += `,${Object.hasOwn(r.extra, keys[i]!) ? cell(r.extra[keys[i]!]) : ''}`;
    this.chunk += `${line}\n`;
    for (const key in r.extra) {
      if (!keys.includes(key) && !this.droppedKeys.has(key)) this.droppedKeys.set(key, r.step);
    }
    if (this.chunk.length >= CHUNK) this.flush();
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.extraKeys === null) this.writeHeader([]);
      this.flush();
      await promisify(fsync)(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }

  private writeHeader(keys: string[]): void {
    // `total` and `weight` are mo-train's own (loss1 − α·loss2, and α): a script's key of that name is not kept.
    const extra = keys.filter((k) => !(STEP_COLUMNS as readonly string[]).includes(k));
    this.extraKeys = extra;
    this.chunk = `${[...STEP_COLUMNS, ...extra.map(quoteHeader)].join(',')}\n${this.chunk}`;
  }

  private flush(): void {
    if (this.chunk.length > 0) writeAll(this.fd, this.chunk);
    this.chunk = '';
  }
}

function cell(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** A CSV header cell: as it is when it needs no quoting (RFC 4180), else quoted with its quotes doubled. */
function quoteHeader(name: string): string {
  return /^[^",\r\n]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
