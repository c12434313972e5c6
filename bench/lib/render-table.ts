/** The bench's one table, as plain text (it goes to logs and reports, so no colour). */
export type Verdict = 'PASS' | 'FAIL' | 'info' | 'skipped';

export interface TableRow {
  readonly measure: string;
  readonly value: string;
  /** '' when the row has no target. */
  readonly target: string;
  readonly result: Verdict;
  /** Ratios and context; '' when none. */
  readonly ratio: string;
}

const HEADERS = ['#', 'measure', 'value', 'target', 'result', 'ratio / notes'] as const;

/** A row per measure under a header; `footer` lines after it. */
export function renderTable(rows: readonly (TableRow & { readonly id: string })[], footer: readonly string[]): string {
  const cells = rows.map((r) => [r.id, r.measure, r.value, r.target || '—', r.result, r.ratio || '']);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]!))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(HEADERS), rule, ...cells.map(line), rule, ...footer].join('\n') + '\n';
}

/** `1.23` with about 3 significant digits, without exponent for the magnitudes a bench shows. */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

export function passFail(ok: boolean): Verdict {
  return ok ? 'PASS' : 'FAIL';
}
