/**
 * Turns the flags of `run`/`sweep` into a validated SweepSpec, or throws a UserError listing
 * every problem (one line each).
 */
import { UserError } from '../errors.js';
import { readSpecFile, resolveUserFile } from '../io/user-files.js';
import { computeDirectoryName } from '../spec/directory-name.js';
import { parseSweepSpec, type SpecMode } from '../spec/parse-spec.js';
import type { SweepSpec } from '../spec/types.js';
import type { PreflightOptions } from '../runner/preflight.js';
import { DEFAULT_PREFLIGHT_TIMEOUT_S, type SweepOptions } from './spec-options.js';

export function specFromOptions(opts: SweepOptions, mode: SpecMode, cwd: string): SweepSpec {
  const file = opts.spec !== undefined ? readSpecFile(opts.spec, cwd) : undefined;
  const result = parseSweepSpec(opts, file, { mode, cwd, resolveFile: resolveUserFile });
  if (!result.ok) throw new UserError(result.errors.join('\nmo-train: '));
  return result.spec;
}

/** "α ∈ {0, 0.1} × seeds {0, 1, 2}" — what a sweep covers, for its first line. */
export function describeGrid(spec: SweepSpec): string {
  const parts = [`α ∈ {${spec.alphas.join(', ')}}`, `seeds {${spec.seeds.join(', ')}}`];
  for (const axis of spec.axes) parts.push(`${axis.key} ∈ {${axis.values.join(', ')}}`);
  return parts.join(' × ');
}

/** The spec named after its module's own `name` (known once preflight loaded it), unless the spec named it. */
export function nameAfterModule(spec: SweepSpec, moduleName: string | null): SweepSpec {
  return spec.nameGiven || moduleName === null ? spec : { ...spec, name: computeDirectoryName(moduleName) };
}

/** `--preflight-timeout`/`--no-preflight` as the preflight takes them: ms the first command has to print a step, or null to skip. */
export function readPreflightOptions(opts: SweepOptions): PreflightOptions {
  if (opts.preflight === false) return { commandStartMs: null };
  const text = opts.preflightTimeout;
  if (text === undefined) return { commandStartMs: DEFAULT_PREFLIGHT_TIMEOUT_S * 1000 };
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new UserError(`--preflight-timeout: "${text}" is not valid; allowed: seconds, a number > 0 and ≤ 86400 (default ${DEFAULT_PREFLIGHT_TIMEOUT_S})`);
  }
  return { commandStartMs: seconds * 1000 };
}

/** The flags that make up a spec: what `--resume DIR` alone repeats from sweep.json. */
export const SPEC_FLAGS = [
  'spec',
  'experiment',
  'module',
  'command',
  'alpha',
  'seeds',
  'steps',
  'optimizer',
  'lr',
  'logEvery',
  'engine',
  'backend',
  'init',
  'combine',
  'name',
  'set',
] as const;

/** The spec flags given on this command line, as sweep.json records them (`--resume DIR` alone repeats them). */
export function pickSpecFlags(opts: SweepOptions): Record<string, unknown> {
  return Object.fromEntries(SPEC_FLAGS.filter((k) => isGiven(opts[k])).map((k) => [k, opts[k]]));
}

function isGiven(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined;
}
