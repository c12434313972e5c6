/**
 * Streams the step, loss1 and loss2 columns of a run's steps.csv to a callback, row by row, in
 * fixed-size chunks: a 100,000-row file is never held whole, and no object is made per row.
 *
 * Columns are found by their header names, so columns added later (or reordered) do not matter.
 * A last line without its newline is a write cut short and is ignored, as summarize does.
 */
import { open } from 'node:fs/promises';
import { parseCsvNumber } from '../summary/parse-results.js';

export type StepsRowSink = (step: number, loss1: number, loss2: number) => void;

export type StreamedSteps =
  | { readonly kind: 'read'; readonly rows: number }
  | { readonly kind: 'absent' }
  /** Cannot be read, or is not a steps.csv; `reason` names what is wrong (the caller adds the path). */
  | { readonly kind: 'unreadable'; readonly reason: string };

const COLUMNS = ['step', 'loss1', 'loss2'] as const;

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
    const buf = Buffer.allocUnsafe(1 << 20);
    // Column indexes of step, loss1, loss2; null until the header line has been read.
    let columns: readonly [number, number, number] | null = null;
    let lastColumn = 0;
    const cells = [0, 0, 0];
    let line = 0;
    let carry = '';
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      // The file is ASCII (mo-train writes it); latin1 decodes it fastest, and a stray non-ASCII
      // byte only turns into a cell that is not a number.
      const text = carry + buf.toString('latin1', 0, bytesRead);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        line += 1;
        if (columns === null) {
          const header = text.slice(start, end).split(',');
          const found = COLUMNS.map((name) => header.indexOf(name));
          const missing = COLUMNS.filter((_, i) => found[i]! < 0);
          if (missing.length > 0) return { kind: 'unreadable', reason: `header "${header.join(',')}" has no ${missing.join(', ')} column` };
          columns = found as unknown as [number, number, number];
          lastColumn = Math.max(...found);
        } else {
          let fieldStart = start;
          for (let col = 0; col <= lastColumn; col += 1) {
            let comma = text.indexOf(',', fieldStart);
            if (comma < 0 || comma > end) comma = end;
            const k = col === columns[0] ? 0 : col === columns[1] ? 1 : col === columns[2] ? 2 : -1;
            if (k >= 0) {
              const cell = text.slice(fieldStart, comma);
              const value = parseCell(cell);
              if (value === null) return { kind: 'unreadable', reason: `line ${line}: ${COLUMNS[k as 0 | 1 | 2]} is "${cell}", not a number` };
              cells[k] = value;
            }
            if (comma === end && col < lastColumn) {
              return { kind: 'unreadable', reason: `line ${line}: ${col + 1} cells, expected at least ${lastColumn + 1}` };
            }
            fieldStart = comma + 1;
          }
          sink(cells[0]!, cells[1]!, cells[2]!);
        }
        start = nl + 1;
      }
      carry = text.slice(start);
    }
    if (columns === null) return carry === '' ? { kind: 'read', rows: 0 } : { kind: 'unreadable', reason: 'no complete header line' };
    return { kind: 'read', rows: line - 1 };
  } catch (err) {
    return { kind: 'unreadable', reason: `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  } finally {
    await handle.close();
  }
}

/**
 * parseCsvNumber at a fraction of its cost (no regular expression per cell): nearly every cell is a
 * plain decimal, which Number() reads directly; what Number() rejects, or reads as 0 from nothing,
 * goes to the strict parser, which knows NaN and rejects the rest. (Number() also takes hex and
 * padding spaces, which mo-train never writes; reading them as numbers does no harm in a chart.)
 */
function parseCell(cell: string): number | null {
  const value = Number(cell);
  return Number.isNaN(value) || cell.length === 0 ? parseCsvNumber(cell) : value;
}
