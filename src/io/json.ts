import { readFile } from 'node:fs/promises';

/**
 * JSON that keeps non-finite numbers: JSON.stringify writes NaN and ±Infinity as null, which
 * would turn a diverged loss into "no value". Here they are written as the strings "NaN",
 * "Infinity" and "-Infinity" and read back as numbers.
 */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

/**
 * A JSON file as it is, parsed but not validated, or null when it is absent or not JSON: for
 * showing settings (sweep.json, a run's config.json in plots and the report), where readResults
 * has already validated and reported what it needs.
 */
export async function readJsonDocument(path: string): Promise<unknown> {
  try {
    return parseJson(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}
