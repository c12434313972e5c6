/**
 * Looking up a setting by the key a user typed: aliases, the keys `--set` and `sweep:` may name,
 * and what is allowed at a key (the tail of every error message about it). The settings
 * themselves are in the registry, settings.ts. Pure.
 */
import { MAPPING_KEYS, SETTINGS } from './settings.js';

const list = (xs: readonly string[]) => xs.join(', ');

/** Allowed text of the spec as a whole, which is no setting itself. */
const TOP_ALLOWED = `a mapping of spec keys: ${list(MAPPING_KEYS['']!)}`;

/** Shorthands accepted by `--set` and in `sweep:`. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  lr: 'optimizer.lr',
  optimizer: 'optimizer.name',
  combine: 'combine.name',
  seed: 'seeds',
};

/** Keys a `--set` or `sweep:` entry may name (a whole `optimizer`/`monitor`/`verdict` mapping cannot). */
export const SETTABLE_KEYS: readonly string[] = Object.keys(SETTINGS).filter((k) => SETTINGS[k]!.settable !== false);

export function canonicalSettingKey(key: string): string {
  return KEY_ALIASES[key] ?? key;
}

/**
 * What is allowed at a (dotted, index-free) key: its own entry, else the closest enclosing
 * setting's (an element of `experiment.features` is judged by the rule of the matrix).
 */
export function describeAllowed(key: string): string {
  for (let k = key; ; k = k.slice(0, Math.max(0, k.lastIndexOf('.')))) {
    const info = SETTINGS[k];
    if (info) return info.allowed;
    if (k === '') return TOP_ALLOWED;
  }
}

/** The keys a misspelled `--set` key is compared with, and the `allowed:` text listing them. */
export function describeSettableKeys(key: string): { candidates: string[]; allowed: string } {
  const candidates = [...SETTABLE_KEYS, ...Object.keys(KEY_ALIASES)];
  const group = key.split('.')[0]!;
  const inGroup = SETTABLE_KEYS.filter((k) => k.startsWith(`${group}.`));
  if (inGroup.length > 0) return { candidates, allowed: list(inGroup) };
  const tops = [...new Set(SETTABLE_KEYS.map((k) => (k.includes('.') ? `${k.split('.')[0]}.<field>` : k)))];
  return { candidates, allowed: `${list(tops)} (aliases: ${list(Object.keys(KEY_ALIASES))})` };
}
