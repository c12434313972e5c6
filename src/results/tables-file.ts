/**
 * `<out>/summary.csv` (one row per run) and `<out>/by-alpha.csv` (one per group), written by
 * summarize and at the end of run/sweep. Their columns depend on the sweep's axes, so they are
 * computed with the rows (summary/tables.ts: columns are only ever added, never renamed); this is
 * their spelling. No version: a CSV has none, and its readers find columns by name.
 */
import { stringify } from 'csv-stringify/sync';
import type { Cell, Table } from '../summary/tables.js';

/**
 * Cells spelled the way steps.csv spells them: numbers in shortest round-trip form (String(x)),
 * non-finite as NaN / Infinity / -Infinity, empty for "not known". Run ids contain commas, so
 * csv-stringify quotes them.
 */
export function serializeTable(table: Table): string {
  // Cast every cell ourselves: csv-stringify would write booleans as 1/"" and null as "".
  return stringify(
    table.rows.map((row) => row.map(cellText)),
    { header: true, columns: [...table.columns] },
  );
}

function cellText(cell: Cell): string {
  return cell === null ? '' : String(cell);
}
