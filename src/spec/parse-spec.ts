/**
 * The spec — a YAML/JSON file and the command-line flags that override it — into a validated
 * sweep: α values, seeds, other axes, and every grid point resolved into a RunConfig. Untrusted
 * input is checked here once; everything past `spec/` trusts the types. Pure: files are read by
 * the caller, and module/init paths are resolved through the injected `ctx.resolveFile`.
 *
 * Order of precedence: defaults < file < flags (named flags and `--set`). A flag that picks the
 * experiment or the module replaces the file's choice, with the file's experiment settings.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { deleteAt, getAt, setAt } from './document-path.js';
import { expandAxisCombinations, expandGrid, formatAxisValue } from './expand-grid.js';
import { SCRIPT_KEY, parseSpecFlags, type ScriptAxis, type SpecFlags } from './parse-flags.js';
import { listPlaceholders, splitCommand } from './command-template.js';
import { parsePointSettings, type PointSettings, type ResolveFile, type ResolvedFile } from './parse-point.js';
import { parseSpecText } from './parse-spec-text.js';
import { parseNumberList } from './parse-values.js';
import { renderSuggestion } from './nearest-name.js';
import { OriginMap, describeValue, renderSpecError, renderZodIssues, toOneLine, type Origin } from './spec-errors.js';
import { LIST_SCHEMAS, MAPPING_KEYS, SETTINGS, DEFAULTS, defaultAlphas } from './settings.js';
import { canonicalSettingKey, describeAllowed, describeSettableKeys } from './spec-keys.js';
import { computeDirectoryName } from './directory-name.js';
import type { Axis, AxisValue, RunConfig, SpecMode, SweepSpec } from './types.js';

export type { SpecFlags } from './parse-flags.js';
export type { SpecMode } from './types.js';
export type { ResolvedFile } from './parse-point.js';

export interface SpecFile {
  /** As the user typed it: messages name the file this way. */
  path: string;
  text: string;
}

export interface SpecContext {
  mode: SpecMode;
  cwd: string;
  /** Injected by the CLI (io): resolves and hashes a file; an error string if it is missing or unreadable. */
  resolveFile(path: string, baseDir: string): ResolvedFile | { error: string };
}

export type SpecResult = { ok: true; spec: SweepSpec } | { ok: false; errors: string[] };

/**
 * Most runs one spec may expand to. Each run is a directory and a config in memory; past this a
 * typo (`seeds: 0-100000`) is likelier than intent. Split bigger studies into several specs.
 */
export const MAX_RUNS = 100_000;

interface AxisEntry {
  readonly key: string;
  readonly values: readonly AxisValue[];
  readonly origin: Origin;
}

type ListKey = 'alpha' | 'seeds';

interface ListSource {
  /** A number, a list, or an expression string (from a file), or parsed numbers (from flags). */
  readonly value: unknown;
  readonly origin: Origin;
}

export function parseSweepSpec(flags: SpecFlags, file: SpecFile | undefined, ctx: SpecContext): SpecResult {
  const errors: string[] = [];
  const fileOrigin: Origin | null = file ? { where: file.path, fromFile: true, keyPrefix: '' } : null;
  const origins = new OriginMap(fileOrigin ?? { where: 'spec', fromFile: false, keyPrefix: '' });
  const fileDir = file ? dirname(resolve(ctx.cwd, file.path)) : null;

  // 1. The file, split into the lists (alpha, seeds, sweep) and the settings of every point.
  let doc: Record<string, unknown> = {};
  const lists = new Map<ListKey, ListSource>();
  let fileAxes: AxisEntry[] = [];
  const fileScriptAxes: ScriptAxis[] = [];
  if (file && fileOrigin) {
    const parsed = parseSpecText(file.path, file.text);
    if (!parsed.ok) return { ok: false, errors: dedupe([parsed.error]) };
    doc = parsed.doc;
    for (const key of ['alpha', 'seeds'] as const) {
      if (Object.hasOwn(doc, key)) lists.set(key, { value: doc[key], origin: fileOrigin });
      delete doc[key];
    }
    if (Object.hasOwn(doc, 'sweep')) fileAxes = parseFileSweep(doc.sweep, doc, file.path, lists, fileScriptAxes, errors);
    delete doc.sweep;
  }

  // 2. Flags over the file.
  const flagged = parseSpecFlags(flags);
  errors.push(...flagged.errors);
  for (const list of flagged.lists) lists.set(list.key, { value: list.values, origin: list.origin });
  if ([...flagged.settings, ...flagged.axes].some((s) => s.key === 'experiment' || s.key === 'module' || s.key === 'command')) {
    delete doc.experiment;
    delete doc.module;
    delete doc.command;
    fileAxes = fileAxes.filter((a) => !a.key.startsWith('experiment.'));
  }
  // Shallow keys first, so `--set experiment=seed` never wipes `--set experiment.target=3`.
  const depth = (key: string) => key.split('.').length;
  for (const s of [...flagged.settings].sort((a, b) => depth(a.key) - depth(b.key))) {
    setAt(doc, s.key, s.value);
    origins.deleteUnder(s.key);
    origins.set(s.key, s.origin);
    fileAxes = fileAxes.filter((a) => a.key !== s.key);
  }
  for (const axis of flagged.axes) {
    deleteAt(doc, axis.key);
    fileAxes = fileAxes.filter((a) => a.key !== axis.key);
  }
  // Keys that are no setting are a command's own settings when its command has them as placeholders.
  const scriptAxes = [...fileScriptAxes.filter((a) => !flagged.scriptAxes.some((f) => f.key === a.key)), ...flagged.scriptAxes];
  const placeholders = commandPlaceholders(doc.command);
  for (const axis of scriptAxes) {
    if (!placeholders.includes(axis.key))
      errors.push(doc.command === undefined ? axis.unknown : `${axis.unknown} (or, as the command's own setting, {${axis.key}} in it)`);
  }
  const scriptKeys = scriptAxes.map((a) => a.key);
  const axisEntries = [...fileAxes, ...flagged.axes, ...scriptAxes.map(({ key, values, origin }) => ({ key, values, origin }))];
  for (const axis of axisEntries) {
    origins.set(axis.key, axis.origin);
    const seen = new Set<string>();
    for (const value of axis.values) {
      const text = formatAxisValue(value);
      if (seen.has(text)) {
        errors.push(renderSpecError(axis.origin.where, axis.origin.keyPrefix + axis.key, `${describeValue(value)} appears twice`, 'distinct values'));
      }
      seen.add(text);
    }
  }

  // 3. α and seeds.
  const alphas = readList('alpha', lists.get('alpha'), defaultAlphas(ctx.mode), origins, errors);
  const seeds = readList('seeds', lists.get('seeds'), DEFAULTS.seeds, origins, errors);
  const axes: Axis[] = axisEntries.map((a) => ({ key: a.key, values: a.values }));

  // 4. The grid's size.
  const dims: { key: string; count: number; origin: Origin }[] = [
    { key: 'alpha', count: alphas.length, origin: origins.lookup('alpha') },
    { key: 'seeds', count: seeds.length, origin: origins.lookup('seeds') },
    ...axisEntries.map((a) => ({ key: a.origin.keyPrefix + a.key, count: a.values.length, origin: a.origin })),
  ];
  if (ctx.mode === 'run') {
    for (const d of dims.filter((d) => d.count > 1)) {
      errors.push(
        renderSpecError(d.origin.where, d.key, `${d.count} values, but mo-train run trains one grid point`, 'one value (use `mo-train sweep` for a grid)'),
      );
    }
  }
  const total = dims.reduce((n, d) => n * d.count, 1);
  if (total > MAX_RUNS) {
    const product = dims.map((d) => `${d.count} ${d.key}`).join(' × ');
    const largest = dims.reduce((a, b) => (b.count > a.count ? b : a));
    errors.push(
      renderSpecError(largest.origin.where, 'grid', `${product} = ${total} runs`, `at most ${MAX_RUNS} runs per spec (split the study into several specs)`),
    );
    return { ok: false, errors: dedupe(errors) };
  }

  // 5. Every combination of the other axes, validated and resolved as a whole.
  const resolveFile = cacheResolveFile((p, dir) => ctx.resolveFile(p, dir));
  const pointContext = { origins, cwd: ctx.cwd, fileDir, resolveFile, scriptKeys };
  const combos = expandAxisCombinations(axes);
  const settings: PointSettings[] = [];
  for (const combo of combos) {
    const point: Record<string, unknown> = { ...doc };
    // Copy each touched top-level group so one point's values never leak into the next.
    for (const key of Object.keys(combo)) {
      const top = key.split('.')[0]!;
      if (key.includes('.') && point[top] === doc[top]) point[top] = structuredClone(doc[top]);
    }
    // A command's own settings reach it through the run's coordinates, not mo-train's settings.
    for (const [key, value] of Object.entries(combo)) if (!scriptKeys.includes(key)) setAt(point, key, value);
    const result = parsePointSettings(point, pointContext);
    if (result.ok) settings.push(result.settings);
    else errors.push(...result.errors);
  }
  if (errors.length > 0 || settings.length !== combos.length) return { ok: false, errors: dedupe(errors) };

  // 6. The runs: α outermost, then the axes, seed innermost (expandGrid's order).
  const points = expandGrid(alphas, seeds, axes);
  const runs: RunConfig[] = points.map((p, i) => {
    const s = settings[Math.floor(i / seeds.length) % combos.length]!;
    return {
      id: p.id,
      alpha: p.coords.alpha as number,
      seed: p.coords.seed as number,
      steps: s.steps,
      log_every: s.log_every,
      experiment: s.experiment,
      optimizer: s.optimizer,
      combine: s.combine,
      monitor: s.monitor,
      verdict: s.verdict,
      engine: s.engine,
      backend: s.backend,
      init: s.init,
      coords: p.coords,
    };
  });
  const nameGiven = typeof doc.name === 'string';
  const name = nameGiven ? (doc.name as string) : defaultName(settings[0]!);
  return { ok: true, spec: { name, nameGiven, alphas, seeds, axes, document: computeDocument(doc, alphas, seeds, axes), runs } };
}

/**
 * The file's `sweep:` mapping: dotted key → a list of values (or, for a number key, an expression
 * such as "logspace(-4,-2,3)"). `sweep.alpha`/`sweep.seeds` are the α and seed lists.
 */
function parseFileSweep(
  sweep: unknown,
  doc: Record<string, unknown>,
  path: string,
  lists: Map<ListKey, ListSource>,
  scriptAxes: ScriptAxis[],
  errors: string[],
): AxisEntry[] {
  const allowedSweep = describeAllowed('sweep');
  if (sweep === null || typeof sweep !== 'object' || Array.isArray(sweep)) {
    errors.push(renderSpecError(path, 'sweep', `expected a mapping, got ${describeValue(sweep)}`, allowedSweep));
    return [];
  }
  const axes: AxisEntry[] = [];
  const origin: Origin = { where: path, fromFile: true, keyPrefix: 'sweep.' };
  for (const [rawKey, value] of Object.entries(sweep)) {
    const label = `sweep.${rawKey}`;
    const key = canonicalSettingKey(rawKey);
    const info = SETTINGS[key];
    const settable = describeSettableKeys(rawKey);
    if (info?.settable === false && info.flags !== undefined && !key.includes('.')) {
      errors.push(renderSpecError(path, label, `${key} cannot be swept`, `one value, set as ${key} in the spec`));
      continue;
    }
    if (!info || !settable.candidates.includes(key)) {
      const unknown = renderSpecError(path, label, `unknown key${renderSuggestion(rawKey, settable.candidates)}`, settable.allowed);
      const values = SCRIPT_KEY.test(rawKey) ? readSweepValues(value, false, label, path, 'a number, a string or true/false', []) : null;
      if (values) scriptAxes.push({ key: rawKey, values, origin, unknown });
      else errors.push(unknown);
      continue;
    }
    if (!info.sweepable) {
      errors.push(renderSpecError(path, label, `${key} cannot be swept`, `one value, set as ${key} in the spec`));
      continue;
    }
    if (info.kind === 'numbers') {
      const listKey = key as ListKey;
      if (lists.has(listKey)) errors.push(renderSpecError(path, label, `${key} is also set at the top level`, 'one of them'));
      else lists.set(listKey, { value, origin });
      continue;
    }
    if (axes.some((a) => a.key === key) || getAt(doc, key) !== undefined) {
      errors.push(renderSpecError(path, label, `${key} is also set elsewhere in the file`, 'set a key or sweep it, not both'));
      continue;
    }
    const values = readSweepValues(value, info.kind === 'number', label, path, describeAllowed(key), errors);
    if (values) axes.push({ key, values, origin });
  }
  return axes;
}

function readSweepValues(value: unknown, numeric: boolean, label: string, path: string, allowed: string, errors: string[]): AxisValue[] | null {
  if (typeof value === 'string' && numeric) {
    const parsed = parseNumberList(value);
    if (!parsed.ok) errors.push(renderSpecError(path, label, parsed.error, allowed));
    return parsed.ok ? parsed.values : null;
  }
  if (isAxisValue(value)) return [value];
  if (!Array.isArray(value)) {
    errors.push(renderSpecError(path, label, `expected a list of values, got ${describeValue(value)}`, `a list of values, each ${allowed}`));
    return null;
  }
  if (value.length === 0) {
    errors.push(renderSpecError(path, label, 'an empty list', `a list of values, each ${allowed}`));
    return null;
  }
  const bad = value.findIndex((v) => !isAxisValue(v));
  if (bad >= 0) {
    errors.push(renderSpecError(path, `${label}[${bad}]`, `${describeValue(value[bad])} cannot be swept`, `a number, a string or true/false: ${allowed}`));
    return null;
  }
  return value as AxisValue[];
}

function isAxisValue(v: unknown): v is AxisValue {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/** α or seeds: a number, a list of numbers, or an expression; checked for range and duplicates. */
function readList(key: ListKey, source: ListSource | undefined, fallback: readonly number[], origins: OriginMap, errors: string[]): number[] {
  if (!source) return [...fallback];
  origins.set(key, source.origin);
  const { value, origin } = source;
  const label = origin.keyPrefix + key;
  let values: unknown[];
  if (typeof value === 'number') values = [value];
  else if (typeof value === 'string') {
    const parsed = parseNumberList(value);
    if (!parsed.ok) {
      errors.push(renderSpecError(origin.where, label, parsed.error, describeAllowed(key)));
      return [...fallback];
    }
    values = parsed.values;
  } else if (Array.isArray(value)) values = value;
  else {
    errors.push(renderSpecError(origin.where, label, `expected a number, a list or an expression, got ${describeValue(value)}`, describeAllowed(key)));
    return [...fallback];
  }
  const parsed = LIST_SCHEMAS[key].safeParse(values);
  if (!parsed.success) {
    // One value reads as `alpha`, not `alpha[0]`.
    const relabel = (p: string) => (values.length === 1 ? p.replace(/\[0\]$/, '') : p);
    const [first, ...more] = renderZodIssues(parsed.error.issues, { [key]: values }, origins, relabel, [key]);
    // A range past the limit would give one line per value: the first says it, with a count.
    errors.push(more.length === 0 ? first! : first!.replace('; allowed: ', ` (and ${more.length} more values not allowed); allowed: `));
    return [...fallback];
  }
  const numbers = parsed.data.map((x) => (x === 0 ? 0 : x)); // -0 and 0 are one α and one id
  const seen = new Set<number>();
  for (const x of numbers) {
    if (seen.has(x)) errors.push(renderSpecError(origin.where, label, `${x} appears twice`, describeAllowed(key)));
    seen.add(x);
  }
  return numbers;
}

function cacheResolveFile(resolveFile: ResolveFile): ResolveFile {
  const cache = new Map<string, ReturnType<ResolveFile>>();
  return (path, baseDir) => {
    const key = `${baseDir}\u0000${path}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = resolveFile(path, baseDir);
      cache.set(key, hit);
    }
    return hit;
  };
}

/**
 * The experiment's name, or a module's (a command's script's) file name without extension (the module's own `name` is
 * only known once it is loaded, and then replaces this: see nameGiven), made safe as a directory name.
 */
function defaultName(settings: PointSettings): string {
  const e = settings.experiment;
  if (e.kind === 'declarative') return computeDirectoryName(e.definition.name);
  // A command is named after its script (train.py → train), else its program.
  const file = e.kind === 'module' ? e.path : (e.script?.path ?? e.argv[0]!);
  return computeDirectoryName(basename(file, extname(file)));
}

/** The merged spec as the user gave it (no defaults but α and seeds), keys in the spec's order, for sweep.json. */
function computeDocument(doc: Record<string, unknown>, alphas: readonly number[], seeds: readonly number[], axes: readonly Axis[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...doc, alpha: [...alphas], seeds: [...seeds] };
  if (axes.length > 0) merged.sweep = Object.fromEntries(axes.map((a) => [a.key, [...a.values]]));
  const out: Record<string, unknown> = {};
  for (const key of MAPPING_KEYS['']!) if (merged[key] !== undefined) out[key] = merged[key];
  return out;
}

/** The placeholders of a spec's command, if it has one that splits (else parse-point.ts reports it). */
function commandPlaceholders(command: unknown): string[] {
  if (typeof command !== 'string' && !(Array.isArray(command) && command.every((a) => typeof a === 'string'))) return [];
  const split = splitCommand(command as string | string[]);
  return split.ok ? listPlaceholders(split.argv) : [];
}

function dedupe(lines: readonly string[]): string[] {
  return [...new Set(lines.map(toOneLine))];
}
