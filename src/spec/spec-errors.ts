/**
 * User-facing spec errors: one line each, `<where>: <key>: <what is wrong>; allowed: <what is>`,
 * where `<where>` is the flag or the spec file (as typed) the offending value came from. Pure.
 */
import type * as z from 'zod';
import { renderSuggestion } from './nearest-name.js';
import { describeAllowed } from './spec-keys.js';
import { MAPPING_KEYS } from './settings.js';

/** Where a setting's value came from. */
export interface Origin {
  /** The flag (`--alpha`, `--set optimizer.lr`) or the spec file's path as the user typed it. */
  readonly where: string;
  /** Relative paths in the value resolve against the spec file's directory (else the working directory). */
  readonly fromFile: boolean;
  /** Put before the key in messages: `sweep.` for a value from the file's `sweep:` mapping. */
  readonly keyPrefix: string;
}

/**
 * The origin of every setting, by dotted key. A key without an entry takes its closest
 * enclosing key's origin, and failing that the fallback (the spec file, if any).
 */
export class OriginMap {
  private readonly byKey = new Map<string, Origin>();
  constructor(private readonly fallback: Origin) {}

  set(key: string, origin: Origin): void {
    this.byKey.set(key, origin);
  }

  /** Forgets `key` and everything under it (a flag replaced the file's value). */
  deleteUnder(key: string): void {
    for (const k of [...this.byKey.keys()]) if (k === key || k.startsWith(`${key}.`)) this.byKey.delete(k);
  }

  /** Keys set at or under `key` that have their own origin, in the order they were set. */
  listUnder(key: string): { key: string; origin: Origin }[] {
    return [...this.byKey].filter(([k]) => k === key || k.startsWith(`${key}.`)).map(([k, origin]) => ({ key: k, origin }));
  }

  lookup(key: string): Origin {
    for (let k = key; k !== ''; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
      const origin = this.byKey.get(k);
      if (origin) return origin;
    }
    return this.fallback;
  }
}

export function renderSpecError(where: string, key: string, what: string, allowed: string): string {
  // `--alpha: alpha: …` and `--set optimizer.lr: optimizer.lr: …` say the key twice; keep it once.
  const flagKey = where
    .replace(/^--set /, '')
    .replace(/^--/, '')
    .replace(/-/g, '_');
  const head = where.startsWith('--') && flagKey === key ? where : `${where}: ${key}`;
  return toOneLine(`${head}: ${what}; allowed: ${allowed}`);
}

/** Control characters from user input (a key or path with a newline) are escaped: an error is one line. */
export function toOneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** An error about `key` (a path such as `experiment.features[2]`), placed at the origin of `originKey`. */
export function renderKeyError(origins: OriginMap, key: string, what: string, allowed?: string, originKey?: string): string {
  const origin = origins.lookup(settingKeyOf(originKey ?? key));
  return renderSpecError(origin.where, origin.keyPrefix + key, what, allowed ?? describeAllowed(settingKeyOf(key)));
}

/** `['experiment','features',2,0]` → `experiment.features[2][0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** `experiment.features[2][0]` → `experiment.features`: the setting a path belongs to. */
export function settingKeyOf(path: string): string {
  return path.replace(/\[\d+\]/g, '');
}

/** A value as a message shows it: short, one line; `typed` marks a string as one (`"100" (a string)`). */
export function describeValue(value: unknown, typed = false): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `${JSON.stringify(truncate(value))}${typed ? ' (a string)' : ''}`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `${value} (not a finite number)`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}: ${truncate(safeJson(value))}`;
  if (typeof value === 'object') return `a mapping: ${truncate(safeJson(value))}`;
  return typeof value;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  tuple: 'a list',
};

/**
 * One line per problem a zod issue describes. `relabel` turns a schema path into the key the user
 * wrote (e.g. `experiment.base` → `experiment` when they wrote `experiment: NAME`).
 */
export function renderZodIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  origins: OriginMap,
  relabel: (path: string) => string = (p) => p,
  basePath: readonly PropertyKey[] = [],
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...issue.path];
    const key = relabel(formatPath(path));
    const value = valueAt(root, path);
    const at = (what: string) => renderKeyError(origins, key, what);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = MAPPING_KEYS[settingKeyOf(formatPath(path))] ?? [];
        for (const k of issue.keys) {
          const full = key === '' ? k : `${key}.${k}`;
          lines.push(renderKeyError(origins, full, `unknown key${renderSuggestion(k, known)}`, known.join(', ')));
        }
        break;
      }
      case 'invalid_union': {
        // The only union is experiment.features: report the branch the value's shape selects.
        const branch = Array.isArray(value) ? issue.errors[0] : value !== null && typeof value === 'object' ? issue.errors[1] : undefined;
        if (branch) lines.push(...renderZodIssues(branch, root, origins, relabel, path));
        else lines.push(at(`expected a matrix or a mapping, got ${describeValue(value)}`));
        break;
      }
      case 'invalid_type': {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        lines.push(at(value === undefined ? `missing, expected ${expected}` : `expected ${expected}, got ${describeValue(value, true)}`));
        break;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const what = Array.isArray(value)
          ? `${describeValue(value)} has too ${small ? 'few' : 'many'} entries`
          : `${describeValue(value)} is too ${typeof value === 'string' ? (small ? 'short' : 'long') : small ? 'small' : 'large'}`;
        lines.push(at(what));
        break;
      }
      case 'invalid_value': {
        const known = issue.values.map(String);
        lines.push(at(`unknown value ${describeValue(value)}${typeof value === 'string' ? renderSuggestion(value, known) : ''}`));
        break;
      }
      case 'invalid_format':
      case 'custom':
        lines.push(at(`${describeValue(value)} is not allowed`));
        break;
      default:
        lines.push(at(issue.message));
    }
  }
  return lines;
}
