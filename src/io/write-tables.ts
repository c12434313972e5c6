/**
 * `<dir>/summary.csv` and `<dir>/by-alpha.csv`, written whole or not at all (their spelling:
 * results/tables-file.ts).
 */
import { join } from 'node:path';
import { BY_ALPHA_CSV, SUMMARY_CSV } from '../results/layout.js';
import { serializeTable } from '../results/tables-file.js';
import type { Table } from '../summary/tables.js';
import { writeFileAtomic } from './atomic-write.js';

export interface WrittenTables {
  readonly summaryCsv: string;
  readonly byAlphaCsv: string;
}

export function writeSummaryTables(dir: string, runs: Table, groups: Table): WrittenTables {
  const summaryCsv = join(dir, SUMMARY_CSV);
  const byAlphaCsv = join(dir, BY_ALPHA_CSV);
  writeFileAtomic(summaryCsv, serializeTable(runs));
  writeFileAtomic(byAlphaCsv, serializeTable(groups));
  return { summaryCsv, byAlphaCsv };
}
