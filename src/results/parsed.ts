/**
 * What every results file's parse function returns, and the zod pieces several files share.
 *
 * Unknown keys are allowed in these files, unlike in a user's spec: they are written by mo-train,
 * and a newer mo-train may add fields that this one should skip rather than reject.
 */
import { z } from 'zod';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issue: string };

// parseJson turns "NaN"/"Infinity"/"-Infinity" back into numbers, and zod 4's z.number() rejects
// those: a diverged run's final loss is a legitimate NaN, so accept any number.
export const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number (NaN and ±Infinity allowed)' });
export const count = z.number().int().nonnegative();
export const axisValue = z.union([anyNumber, z.string(), z.boolean()]);
export const coords = z.record(z.string(), axisValue);

/** A run id becomes a directory name under runs/: nothing that could step outside it. */
export function isSafeRunId(id: string): boolean {
  return id.length > 0 && id !== '.' && id !== '..' && !/[/\\\0]/.test(id);
}

export const runId = z.string().refine(isSafeRunId, { message: 'not a safe directory name (empty, ".", ".." or containing / \\ or NUL)' });

/** Every versioned file starts the same way; read first so a caller can say "newer than I know" even when the rest does not match. */
export function parseFormatVersion(value: unknown): number | null {
  const head = z.looseObject({ format_version: z.number().int().positive() }).safeParse(value);
  return head.success ? head.data.format_version : null;
}

/** `path: message` of the first issue, and how many more there are: one line for a person. */
export function describeIssues(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return 'does not match the expected shape';
  const path = first.path.length > 0 ? first.path.map(String).join('.') : '(top level)';
  const more = rest.length > 0 ? ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})` : '';
  return `${path}: ${first.message}${more}`;
}

export function toParsed<T>(result: { success: true; data: T } | { success: false; error: z.ZodError }): Parsed<T> {
  return result.success ? { ok: true, value: result.data } : { ok: false, issue: describeIssues(result.error) };
}
