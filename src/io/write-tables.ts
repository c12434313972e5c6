/**
 * `<dir>/summary.csv` and `<dir>/by-alpha.csv`, written whole or not at all. Cells are spelled
 * the way steps.csv spells them: numbers in shortest round-trip form (String(x)), non-finite as
 * NaN / Infinity / -Infinity, empty for "not known". Run ids contain commas, so csv-stringify quotes them.
 */
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Cell, Table } from '../summary/tables.js';
import { writeFileAtomic } from './atomic-write.js';

export const SUMMARY_CSV = 'summary.csv';
export const BY_ALPHA_CSV = 'by-alpha.csv';

export function stringifyTable(table: Table): string {
  // Cast every cell ourselves: csv-stringify would write booleans as 1/"" and null as "".
  return stringify(
    table.rows.map((row) => row.map(cellText)),
    { header: true, columns: [...table.columns] },
  );
}

function cellText(cell: Cell): string {
  return cell === null ? '' : String(cell);
}

export interface WrittenTables {
  readonly summaryCsv: string;
  readonly byAlphaCsv: string;
}

export function writeSummaryTables(dir: string, runs: Table, groups: Table): WrittenTables {
  const summaryCsv = join(dir, SUMMARY_CSV);
  const byAlphaCsv = join(dir, BY_ALPHA_CSV);
  writeFileAtomic(summaryCsv, stringifyTable(runs));
  writeFileAtomic(byAlphaCsv, stringifyTable(groups));
  return { summaryCsv, byAlphaCsv };
}
