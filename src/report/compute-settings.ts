/**
 * The sweep's settings as label/value rows for the report: the grid, the resolved settings every
 * run shares (a run's config.json minus its own coordinates), how and when it was made. Both files
 * come from the results directory, so they are read loosely — a field that is absent or of another
 * shape is left out, never an error (results/sweep-file.ts, parseSweepSettings): the settings are
 * informational. Pure.
 */
import { parseSweepSettings } from '../results/sweep-file.js';
import type { AxisValue } from '../spec/types.js';
import { computeShortTexts } from '../summary/short-values.js';

export interface SettingRow {
  readonly label: string;
  readonly value: string;
}

export interface Settings {
  /** What a reader needs to interpret the results: grid, experiment, steps, optimizer. */
  readonly main: readonly SettingRow[];
  /** Everything else: thresholds, engine, versions, the command line. */
  readonly more: readonly SettingRow[];
}

/** The keys of config.json shown as rows, in this order; `id` and `coords` differ per run, and alpha and seed are on the grid. */
const MAIN_CONFIG_KEYS = ['experiment', 'steps', 'optimizer'] as const;
const MORE_CONFIG_KEYS = ['log_every', 'combine', 'monitor', 'verdict', 'engine', 'backend', 'init'] as const;

export function computeSettings(sweepDocument: unknown, runConfig: unknown): Settings {
  const s = parseSweepSettings(sweepDocument);
  const c = isRecord(runConfig) ? runConfig : {};
  const swept = new Set((s.grid?.axes ?? []).map((a) => a.key));

  // A command run's script trains itself: mo-train's optimizer, combiner and backend reach it only
  // through placeholders, so they are shown when its command uses them, never as what trained it.
  const command = isRecord(c.experiment) && c.experiment.kind === 'command' && Array.isArray(c.experiment.argv) ? (c.experiment.argv as unknown[]) : null;
  const skip = new Set<string>();
  if (command !== null) {
    const text = command.join(' ');
    if (!/\{(lr|optimizer)[}.]/.test(text)) skip.add('optimizer');
    skip.add('combine').add('backend');
  }
  const main: SettingRow[] = [];
  if (s.grid?.alpha) main.push({ label: 'α', value: formatGridValues(s.grid.alpha) });
  if (s.grid?.seeds) main.push({ label: 'seeds', value: formatGridValues(s.grid.seeds) });
  for (const axis of s.grid?.axes ?? []) main.push({ label: `${axis.key} (swept)`, value: formatGridValues(axis.values) });
  for (const key of MAIN_CONFIG_KEYS) if (!skip.has(key)) pushConfig(main, c, key, swept);

  const more: SettingRow[] = [];
  for (const key of MORE_CONFIG_KEYS) if (!skip.has(key)) pushConfig(more, c, key, swept);
  const script = isRecord(c.experiment) && isRecord(c.experiment.script) ? c.experiment.script : null;
  if (script && typeof script.path === 'string' && typeof script.sha256 === 'string') {
    more.push({ label: 'script', value: `${script.path} (sha256 ${script.sha256.slice(0, 12)}…)` });
  }
  if (s.module) more.push({ label: 'module', value: `${s.module.path} (sha256 ${s.module.sha256.slice(0, 12)}…)` });
  if (s.argv) more.push({ label: 'command', value: `mo-train ${s.argv.map(quoteArg).join(' ')}` });
  if (s.cwd !== undefined) more.push({ label: 'working directory', value: s.cwd });
  if (s.created !== undefined) more.push({ label: 'created', value: s.created });
  const versions = [s.mo_train_version && `mo-train ${s.mo_train_version}`, s.node && `node ${s.node}`].filter(Boolean);
  if (versions.length > 0) more.push({ label: 'versions', value: versions.join(', ') });
  return { main, more };
}

/**
 * A config.json key as a row. The experiment of a declarative sweep is its definition (layers,
 * losses…), of a module sweep the module's path, of a command sweep its command (placeholders in). A key that is swept differs between runs: the
 * first run's value would mislead, so it is marked.
 */
function pushConfig(rows: SettingRow[], config: Readonly<Record<string, unknown>>, key: string, swept: ReadonlySet<string>): void {
  let value = config[key];
  if (value === undefined) return;
  if (key === 'experiment' && isRecord(value)) {
    if (value.kind === 'command' && Array.isArray(value.argv)) value = `command: ${value.argv.map((a) => quoteArg(String(a))).join(' ')}`;
    else value = value.kind === 'declarative' ? value.definition : value.kind === 'module' ? value.path : value;
  }
  const sweptBelow = [...swept].filter((k) => k === key || k.startsWith(`${key}.`));
  const note = sweptBelow.length > 0 ? ` (first run; ${sweptBelow.join(', ')} swept)` : '';
  rows.push({ label: key, value: `${formatValue(value)}${note}` });
}

/**
 * Objects as `{name: adam, lr: 0.001}`, numbers to 6 significant digits (linspace(0,1,25) gives
 * 0.041666666666666664), the rest as text.
 */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(Number.isFinite(value) ? Number(value.toPrecision(6)) : value);
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(', ')}}`;
}

/** A swept list as the tables show its values: short (3.162e-4), yet each distinct. */
function formatGridValues(values: readonly unknown[]): string {
  if (!values.every((v): v is AxisValue => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) return values.map(formatValue).join(', ');
  return values.map(computeShortTexts(values)).join(', ');
}

function quoteArg(arg: string): string {
  // `{alpha}` reads as it is: a brace without a comma inside is no expansion in a shell.
  return /^[\w@%+=:,./-]+$/.test(arg) || /^[\w@%+=:./{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
