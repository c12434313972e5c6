/**
 * Command-line settings (commander hands over raw strings) into typed values: one value sets a
 * key, several values make an axis, and `alpha`/`seeds` become lists. Types are checked later,
 * with the file's values; here only the text is read. Pure.
 */
import type { AxisValue } from './types.js';
import { renderSuggestion } from './nearest-name.js';
import { parseNumberList, splitTopLevelCommas } from './parse-values.js';
import { renderSpecError, type Origin } from './spec-errors.js';
import { SETTINGS, type SettingKind } from './settings.js';
import { KEY_ALIASES, canonicalSettingKey, describeAllowed, describeSettableKeys } from './spec-keys.js';

/** Raw strings from commander; all optional. */
export interface SpecFlags {
  experiment?: string;
  module?: string;
  command?: string;
  alpha?: string;
  seeds?: string;
  seed?: string;
  steps?: string;
  optimizer?: string;
  lr?: string;
  logEvery?: string;
  engine?: string;
  backend?: string;
  init?: string;
  combine?: string;
  name?: string;
  /** `key=v1,v2`, repeatable. */
  set?: string[];
}

export interface FlagSetting {
  readonly key: string;
  readonly value: unknown;
  readonly origin: Origin;
}

export interface FlagAxis {
  readonly key: string;
  readonly values: readonly AxisValue[];
  readonly origin: Origin;
}

export interface FlagList {
  readonly key: 'alpha' | 'seeds';
  readonly values: readonly number[];
  readonly origin: Origin;
}

/** A `--set` key that is no setting: a command's own setting if the command names it as a placeholder, else `unknown` is its error. */
export interface ScriptAxis extends FlagAxis {
  readonly unknown: string;
}

/** The form of a command's own setting: a plain name, so that a misspelled `optimizer.lrr` stays an error. */
export const SCRIPT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParsedFlags {
  /** In the order given; a --set after the named flags. */
  readonly settings: FlagSetting[];
  readonly axes: FlagAxis[];
  readonly lists: FlagList[];
  readonly scriptAxes: ScriptAxis[];
  readonly errors: string[];
}

/**
 * Named flags and the setting each one sets, in the registry's order (`--seed` takes one value,
 * `--alpha`/`--seeds` a list). `field` is the flag as commander hands it over (`--log-every`: logEvery).
 */
const NAMED_FLAGS: readonly { field: Exclude<keyof SpecFlags, 'set'>; flag: string; key: string }[] = Object.entries(SETTINGS).flatMap(([key, s]) =>
  (s.flags ?? []).map((flag) => ({
    field: flag.slice(2).replace(/-(.)/g, (_, c: string) => c.toUpperCase()) as Exclude<keyof SpecFlags, 'set'>,
    flag,
    key,
  })),
);

const SET_FORM = 'key=value or key=v1,v2,… (e.g. --set optimizer.lr=1e-3,1e-2)';

export function parseSpecFlags(flags: SpecFlags): ParsedFlags {
  const out: ParsedFlags = { settings: [], axes: [], lists: [], scriptAxes: [], errors: [] };
  const seen = new Map<string, string>();
  const claim = (key: string, where: string): boolean => {
    const before = seen.get(key);
    if (before !== undefined) {
      out.errors.push(renderSpecError(where, key, `also given as ${before}`, 'one of them'));
      return false;
    }
    seen.set(key, where);
    return true;
  };

  for (const { field, flag, key: flagKey } of NAMED_FLAGS) {
    const text = flags[field];
    if (text === undefined) continue;
    const key = wholeMappingKey(flagKey, text);
    if (!claim(key, flag)) continue;
    const origin: Origin = { where: flag, fromFile: false, keyPrefix: '' };
    const kind = SETTINGS[key]!.kind;
    if (key !== flagKey) {
      const parsed = parseSetValues(key, kind, text.trim());
      if (!parsed.ok) out.errors.push(renderSpecError(flag, key, parsed.error, describeAllowed(key)));
      else if (parsed.values.length !== 1) out.errors.push(renderSpecError(flag, key, `${parsed.values.length} values given`, 'one value: it cannot be swept'));
      else out.settings.push({ key, value: parsed.values[0], origin });
      continue;
    }
    if (kind === 'string' || kind === 'json') {
      out.settings.push({ key, value: text, origin });
      continue;
    }
    const parsed = parseNumberList(text);
    if (!parsed.ok) {
      out.errors.push(renderSpecError(flag, key, parsed.error, describeAllowed(key)));
      continue;
    }
    if (kind === 'numbers' && field !== 'seed') {
      out.lists.push({ key: key as 'alpha' | 'seeds', values: parsed.values, origin });
    } else if (parsed.values.length !== 1) {
      const hint = field === 'seed' ? 'one integer (for several seeds: mo-train sweep --seeds 0-4)' : `one value (to sweep it: --set ${key}=${text})`;
      out.errors.push(renderSpecError(flag, key, `"${text}" gives ${parsed.values.length} values`, hint));
    } else if (kind === 'numbers') {
      out.lists.push({ key: 'seeds', values: parsed.values, origin });
    } else {
      out.settings.push({ key, value: parsed.values[0], origin });
    }
  }

  for (const entry of flags.set ?? []) parseSetEntry(entry, out, claim);

  return out;
}

function parseSetEntry(entry: string, out: ParsedFlags, claim: (key: string, where: string) => boolean): void {
  const eq = entry.indexOf('=');
  if (eq < 0) {
    out.errors.push(renderSpecError('--set', entry.trim() || '(empty)', 'missing "="', SET_FORM));
    return;
  }
  const rawKey = entry.slice(0, eq).trim();
  const text = entry.slice(eq + 1).trim();
  const where = `--set ${rawKey}`;
  if (rawKey === '') {
    out.errors.push(renderSpecError('--set', '(empty)', `no key before "=" in "${entry}"`, SET_FORM));
    return;
  }
  const named = canonicalSettingKey(rawKey);
  const settable = describeSettableKeys(rawKey);
  const flagOnly = SETTINGS[named];
  if (flagOnly?.settable === false && flagOnly.flags !== undefined && !named.includes('.')) {
    // `command`: a setting of its own flag, which --set cannot give (its value would be split at commas).
    out.errors.push(renderSpecError(where, named, 'cannot be given with --set', `${flagOnly.flags.join(' or ')}, or ${named}: in a spec file`));
    return;
  }
  if (!SETTINGS[named] || !settable.candidates.includes(named)) {
    const unknown = renderSpecError(where, rawKey, `unknown key${renderSuggestion(rawKey, settable.candidates)}`, settable.allowed);
    // A plain name may be a command's own setting (`--set width=32,64` with `{width}` in the
    // command): decided once the command is known (parse-spec.ts), an unknown key otherwise.
    if (SCRIPT_KEY.test(rawKey) && text !== '') {
      if (!claim(rawKey, where)) return;
      const numbers = parseNumberList(text);
      const values = numbers.ok ? numbers.values : text.split(',').map((t) => t.trim());
      if (values.some((v) => v === '')) out.errors.push(renderSpecError(where, rawKey, `empty value in "${text}"`, 'values separated by commas'));
      else out.scriptAxes.push({ key: rawKey, values, origin: { where, fromFile: false, keyPrefix: '' }, unknown });
      return;
    }
    out.errors.push(unknown);
    return;
  }
  const key = wholeMappingKey(named, text);
  const info = SETTINGS[key]!;
  if (!claim(key, where)) return;
  if (text === '') {
    out.errors.push(renderSpecError(where, key, 'no value after "="', describeAllowed(key)));
    return;
  }
  const origin: Origin = { where, fromFile: false, keyPrefix: '' };
  const parsed = parseSetValues(key, info.kind, text);
  if (!parsed.ok) {
    out.errors.push(renderSpecError(where, key, parsed.error, describeAllowed(key)));
    return;
  }
  const { values } = parsed;
  if (info.kind === 'numbers') {
    out.lists.push({ key: key as 'alpha' | 'seeds', values: values as number[], origin });
  } else if (values.length === 1) {
    out.settings.push({ key, value: values[0], origin });
  } else if (!info.sweepable) {
    const json = info.kind === 'json' && !text.startsWith('[') && !text.startsWith('{');
    const hint = json ? `one value; write a list as JSON, e.g. --set '${key}=[${text}]'` : 'one value: it cannot be swept';
    out.errors.push(renderSpecError(where, key, `${values.length} values given`, hint));
  } else {
    out.axes.push({ key, values: values as AxisValue[], origin });
  }
}

/**
 * `optimizer` and `combine` stand for their name (`--set optimizer=adam,rmsprop` sweeps it), but
 * a mapping given for them is the whole setting: `--set 'optimizer={"name":"sgd","lr":0.5}'`.
 */
function wholeMappingKey(key: string, text: string): string {
  const group = key.slice(0, Math.max(0, key.lastIndexOf('.')));
  return KEY_ALIASES[group] === key && text.trimStart().startsWith('{') ? group : key;
}

type ValuesResult = { ok: true; values: unknown[] } | { ok: false; error: string };

/**
 * The values of `--set key=text`, read according to the key's kind (a number key takes list
 * expressions, a JSON key one JSON value). A value that does not fit its key is passed on as a
 * string and rejected with the others by the schema.
 */
export function parseSetValues(key: string, kind: SettingKind, text: string): ValuesResult {
  if (kind === 'number' || kind === 'numbers') {
    const parsed = parseNumberList(text);
    return parsed.ok ? { ok: true, values: parsed.values } : parsed;
  }
  if (kind === 'json' && (text.startsWith('[') || text.startsWith('{'))) {
    // Whole JSON values, several when separated by top-level commas (`[0.9,0.99],[0.8,0.9]`).
    const values: unknown[] = [];
    for (const raw of splitTopLevelCommas(text) ?? [text]) {
      const token = raw.trim();
      try {
        values.push(JSON.parse(token) as unknown);
      } catch (err) {
        return { ok: false, error: `invalid JSON "${token}" (${(err as Error).message})` };
      }
    }
    return { ok: true, values };
  }
  const tokens = (kind === 'json' ? splitTopLevelCommas(text) : null) ?? text.split(',');
  const values: unknown[] = [];
  for (const raw of tokens) {
    const token = raw.trim();
    if (token === '') return { ok: false, error: `empty value in "${text}"` };
    values.push(readScalar(key, kind, token));
  }
  return { ok: true, values };
}

function readScalar(key: string, kind: SettingKind, token: string): unknown {
  if (kind === 'boolean' || kind === 'json') {
    if (token === 'true') return true;
    if (token === 'false') return false;
  }
  if (kind === 'json' && token !== '' && Number.isFinite(Number(token))) return Number(token);
  // `--set init=null` restores the seeded init a spec file's `init:` replaced.
  if (key === 'init' && token === 'null') return null;
  return token;
}
