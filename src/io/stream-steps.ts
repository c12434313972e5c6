/**
 * Streams the step, loss1 and loss2 columns of a run's steps.csv to a callback, row by row, in
 * fixed-size chunks: a 100,000-row file is never held whole, and no object is made per row.
 *
 * Columns are found by their header names, so columns added later (or reordered) do not matter.
 * A last line without its newline is a write cut short and is ignored, as summarize does.
 */
import { open } from 'node:fs/promises';
import { parseCsvNumber, type STEP_COLUMNS } from '../results/steps-file.js';

export type StepsRowSink = (step: number, loss1: number, loss2: number) => void;

export type StreamedSteps =
  | { readonly kind: 'read'; readonly rows: number }
  | { readonly kind: 'absent' }
  /** Cannot be read, or is not a steps.csv; `reason` names what is wrong (the caller adds the path). */
  | { readonly kind: 'unreadable'; readonly reason: string };

const COLUMNS = ['step', 'loss1', 'loss2'] as const satisfies readonly (typeof STEP_COLUMNS)[number][];

/** Bytes of steps.csv read at a time; a longer line grows the buffer. */
const CHUNK_BYTES = 1 << 20;
/**
 * Read buffers of finished streams, for the next: a fresh megabyte per file (100 files) is memory
 * outside the heap that makes the garbage collector run for nothing.
 */
const spareBuffers: Buffer[] = [];
const NEWLINE = 10;
const COMMA = 44;

/**
 * Calls `sink` for every complete data row, in file order. Stops at the first malformed row and
 * reports it (rows before it have been passed on already).
 */
export async function streamStepsRows(path: string, sink: StepsRowSink): Promise<StreamedSteps> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { kind: 'absent' } : { kind: 'unreadable', reason: `cannot read it (${code ?? (err as Error).message})` };
  }
  try {
    let buf = spareBuffers.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
    // The start of a line cut by the end of the last read is moved to the front of the buffer.
    let carried = 0;
    let columns: Columns | null = null;
    let line = 0;
    for (;;) {
      if (carried === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      const { bytesRead } = await handle.read(buf, carried, buf.length - carried, null);
      if (bytesRead === 0) break;
      const end = carried + bytesRead;
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE, 0); nl >= 0 && nl < end; nl = buf.indexOf(NEWLINE, start)) {
        line += 1;
        const lineEnd = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        if (columns === null) {
          const found = findColumns(buf.toString('latin1', start, lineEnd));
          if (typeof found === 'string') return { kind: 'unreadable', reason: found };
          columns = found;
        } else {
          const issue = parseRow(buf, start, lineEnd, columns);
          if (issue !== null) return { kind: 'unreadable', reason: `line ${line}: ${issue}` };
          sink(columns.values[0], columns.values[1], columns.values[2]);
        }
        start = nl + 1;
        if (start >= end) break;
      }
      carried = end - start;
      buf.copy(buf, 0, start, end);
    }
    if (buf.length === CHUNK_BYTES) spareBuffers.push(buf);
    if (columns === null) return carried === 0 ? { kind: 'read', rows: 0 } : { kind: 'unreadable', reason: 'no complete header line' };
    return { kind: 'read', rows: line - 1 };
  } catch (err) {
    return { kind: 'unreadable', reason: `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  } finally {
    await handle.close();
  }
}

interface Columns {
  /** For each cell index up to the last wanted one: which of step, loss1, loss2 it is, or -1. */
  readonly slots: readonly number[];
  /** The wanted values of the current row, step, loss1, loss2; overwritten row by row. */
  readonly values: [number, number, number];
}

/** Where step, loss1 and loss2 are, from the header line; or what is wrong with it. */
function findColumns(header: string): Columns | string {
  const names = header.split(',');
  const found = COLUMNS.map((name) => names.indexOf(name));
  const missing = COLUMNS.filter((_, i) => found[i]! < 0);
  if (missing.length > 0) return `header "${header}" has no ${missing.join(', ')} column`;
  const slots = Array.from({ length: Math.max(...found) + 1 }, (_, cell) => found.indexOf(cell));
  return { slots, values: [0, 0, 0] };
}

/** Parses the wanted cells of the line [start, end) into columns.values; returns what is wrong, or null. */
function parseRow(buf: Buffer, start: number, end: number, columns: Columns): string | null {
  const { slots, values } = columns;
  let cellStart = start;
  for (let cell = 0; cell < slots.length; cell += 1) {
    const slot = slots[cell]!;
    let cellEnd: number;
    if (slot >= 0) {
      // One pass: the number is read up to where it stops, which should be the cell's end.
      let value = scanDecimal(buf, cellStart, end);
      if (scanEnd >= 0 && (scanEnd === end || buf[scanEnd] === COMMA)) cellEnd = scanEnd;
      else {
        cellEnd = findCellEnd(buf, cellStart, end);
        const slow = slowParse(buf, cellStart, cellEnd);
        if (slow === null) return `${COLUMNS[slot as 0 | 1 | 2]} is "${buf.toString('latin1', cellStart, cellEnd)}", not a number`;
        value = slow;
      }
      values[slot as 0 | 1 | 2] = value;
    } else {
      cellEnd = findCellEnd(buf, cellStart, end);
    }
    if (cellEnd === end && cell < slots.length - 1) return `${cell + 1} cells, expected at least ${slots.length}`;
    cellStart = cellEnd + 1;
  }
  return null;
}

function findCellEnd(buf: Buffer, start: number, end: number): number {
  const comma = buf.indexOf(COMMA, start);
  return comma < 0 || comma > end ? end : comma;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A steps.csv number read straight from its bytes — without making a string per cell, which is
 * most of the cost of reading 100 runs × 100,000 rows. What parseCsvNumber accepts, it accepts.
 *
 * Exact (the same double as Number()) when the digits fit in 2^53 and the decimal exponent in ±22
 * (Clinger's fast path: one correctly rounded multiplication or division). Longer mantissas, most
 * of the 17-digit shortest round-trip forms, are within a few units in the last place: a chart
 * cannot show that, and the strings a fully exact parse would make cost twice the time. Anything
 * else (NaN, Infinity, exponents beyond ±44) goes through parseCsvNumber on the cell's text.
 */
export function parseCsvNumberBytes(buf: Uint8Array, start: number, end: number): number | null {
  const value = scanDecimal(buf, start, end);
  return scanEnd === end ? value : slowParse(buf, start, end);
}

/** Where the last scanDecimal stopped; -1 when what it read was not a plain decimal it can convert. */
let scanEnd = -1;

/**
 * Reads a plain decimal (sign, digits, fraction, exponent) from `start`, stopping at the first byte
 * that cannot continue it or at `limit`, and sets scanEnd there (a module variable: a returned
 * object per cell would be 30 million allocations for 100 runs × 100,000 rows).
 */
function scanDecimal(buf: Uint8Array, start: number, limit: number): number {
  let i = start;
  const sign = buf[i];
  if (sign === 45 || sign === 43) i += 1;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  for (let d = (buf[i] ?? 0) - 48; i < limit && d >= 0 && d <= 9; d = (buf[++i] ?? 0) - 48) {
    mantissa = mantissa * 10 + d;
    digits += 1;
  }
  if (i < limit && buf[i] === 46) {
    i += 1;
    for (let d = (buf[i] ?? 0) - 48; i < limit && d >= 0 && d <= 9; d = (buf[++i] ?? 0) - 48) {
      mantissa = mantissa * 10 + d;
      digits += 1;
      fraction += 1;
    }
  }
  let exponent = 0;
  if (digits > 0 && i < limit && (buf[i] === 101 || buf[i] === 69)) {
    i += 1;
    const negative = buf[i] === 45;
    if (negative || buf[i] === 43) i += 1;
    const from = i;
    for (let d = (buf[i] ?? 0) - 48; i < limit && d >= 0 && d <= 9 && i - from < 5; d = (buf[++i] ?? 0) - 48) exponent = exponent * 10 + d;
    if (i === from) return fail();
    if (negative) exponent = -exponent;
  }
  if (digits === 0) return fail();
  const e10 = exponent - fraction;
  let value: number;
  if (e10 === 0) value = mantissa;
  else if (e10 > 0 && e10 <= 22) value = mantissa * POW10[e10]!;
  else if (e10 < 0 && e10 >= -22) value = mantissa / POW10[-e10]!;
  else if (e10 < 0 && e10 >= -44) value = mantissa / 1e22 / POW10[-e10 - 22]!;
  else if (e10 > 0 && e10 <= 44) value = mantissa * 1e22 * POW10[e10 - 22]!;
  else return fail();
  scanEnd = i;
  return sign === 45 ? -value : value;
}

function fail(): number {
  scanEnd = -1;
  return NaN;
}

function slowParse(buf: Uint8Array, start: number, end: number): number | null {
  return parseCsvNumber(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
}
