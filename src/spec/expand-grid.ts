/**
 * The grid: every combination of α, the other swept settings, and seed, each with a run id that
 * is readable, stable, and safe as a directory name on every file system. Pure.
 */
import { createHash } from 'node:crypto';
import type { Axis, AxisValue } from './types.js';

export interface GridPoint {
  readonly id: string;
  /** `alpha`, `seed`, then every axis key, in that order. */
  readonly coords: Readonly<Record<string, AxisValue>>;
}

/** Longer ids are shortened: many file systems cap a name at 255 bytes, and the path around it needs room. */
export const MAX_ID_LENGTH = 180;
/** How much of a long id is kept before `~` and the hash: enough to read which run it is. */
export const LONG_ID_PREFIX = 160;
/** Hex digits of sha256 after `~`: 40 bits, so a collision among a sweep's ids is practically impossible. */
export const LONG_ID_HASH_HEX = 10;

/** Characters kept as they are in a run id; everything else is percent-encoded. */
const SAFE_CHAR = /^[A-Za-z0-9._+-]$/;

/**
 * α outermost, then each axis in the order given (the first axis varying slowest), seed innermost,
 * so the runs of one configuration across seeds sit next to each other.
 */
export function expandGrid(alphas: readonly number[], seeds: readonly number[], axes: readonly Axis[]): GridPoint[] {
  const keys = new Set<string>(['alpha', 'seed']);
  for (const axis of axes) {
    if (keys.has(axis.key)) throw new Error(`expandGrid: axis key "${axis.key}" used twice`);
    keys.add(axis.key);
  }
  const combos = expandAxisCombinations(axes);
  const points: GridPoint[] = [];
  for (const alpha of alphas) {
    for (const combo of combos) {
      for (const seed of seeds) {
        const coords: Record<string, AxisValue> = { alpha, seed, ...combo };
        points.push({ id: formatRunId(coords), coords });
      }
    }
  }
  const ids = new Set(points.map((p) => p.id));
  // The spec parser rejects duplicate values, which makes ids unique; a repeat here is a bug.
  if (ids.size !== points.length) throw new Error('expandGrid: duplicate run ids (duplicate values on an axis)');
  return points;
}

/** Every combination of axis values, first axis outermost; one empty combination when there are no axes. */
export function expandAxisCombinations(axes: readonly Axis[]): Record<string, AxisValue>[] {
  let combos: Record<string, AxisValue>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, AxisValue>[] = [];
    for (const combo of combos) for (const value of axis.values) next.push({ ...combo, [axis.key]: value });
    combos = next;
  }
  return combos;
}

/**
 * `alpha=<a>,seed=<s>` then `,<key>=<value>` for every other coordinate in insertion order.
 * Numbers are in shortest round-trip form (`String(x)`), so the id reads back to the same value.
 */
export function formatRunId(coords: Readonly<Record<string, AxisValue>>): string {
  const parts: string[] = [];
  const ordered = ['alpha', 'seed', ...Object.keys(coords).filter((k) => k !== 'alpha' && k !== 'seed')];
  for (const key of ordered) {
    const value = coords[key];
    if (value === undefined) continue;
    parts.push(`${encodeIdPart(key)}=${encodeIdPart(formatAxisValue(value))}`);
  }
  const id = parts.join(',');
  if (id.length <= MAX_ID_LENGTH) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, LONG_ID_HASH_HEX);
  return `${id.slice(0, LONG_ID_PREFIX)}~${hash}`;
}

export function formatAxisValue(value: AxisValue): string {
  if (typeof value === 'number') return String(value === 0 ? 0 : value); // -0 reads "0" either way
  return String(value);
}

/**
 * Percent-encodes (UTF-8, `%XX` upper case) every character outside `[A-Za-z0-9._+-]`: no path
 * separators, no `,`/`=` that would blur the id's structure, nothing a shell or Windows rejects.
 */
export function encodeIdPart(text: string): string {
  let out = '';
  const utf8 = new TextEncoder();
  for (const ch of text) {
    if (SAFE_CHAR.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of utf8.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
