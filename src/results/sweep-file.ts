/**
 * `<out>/sweep.json` — the frozen plan of a sweep: the resolved spec and flags, the grid, every
 * run's id, coordinates and config hash, the versions and the module's hash. Written once by
 * sweep/run (io/sweep-files.ts); read by resume (all of it that it compares), by summarize, plot
 * and report (the runs and the name) and by the report's settings (field by field).
 *
 * One schema, three readings of it: each reader asks only for the fields it uses, so a sweep.json
 * of an earlier version that lacks a field some other reader wants still reads where it can.
 */
import { z } from 'zod';
import type { Axis, AxisValue } from '../spec/types.js';
import { anyNumber, axisValue, coords, runId, toParsed, type Parsed } from './parsed.js';

/** Written into sweep.json; a newer one is read as far as it matches (summarize) or refused (resume). */
export const SWEEP_FORMAT_VERSION = 1;

export interface SweepRunEntry {
  readonly id: string;
  readonly coords: Readonly<Record<string, AxisValue>>;
  /** Hashes the run's resolved settings as its config.json spells them (run-config-file.ts): resume compares them. */
  readonly config_sha256: string;
}

export interface SweepManifest {
  readonly format_version: number;
  readonly name: string;
  readonly created: string;
  readonly mo_train_version: string;
  readonly node: string;
  readonly argv: readonly string[];
  /** The working directory and the spec flags the sweep was started with: `--resume DIR` alone repeats them. */
  readonly cwd: string;
  readonly flags: Readonly<Record<string, unknown>>;
  readonly document: Readonly<Record<string, unknown>>;
  readonly grid: { readonly alpha: readonly number[]; readonly seeds: readonly number[]; readonly axes: readonly Axis[] };
  readonly runs: readonly SweepRunEntry[];
  readonly module: { readonly path: string; readonly sha256: string } | null;
  /** A command sweep's script (the first file its command names) and its hash; absent before command sweeps existed. */
  readonly script?: { readonly path: string; readonly sha256: string } | null;
  /** Set by `mo-train boundary`: what it searches; its runs are the probes so far. Absent for a sweep. */
  readonly boundary?: BoundarySearchSettings;
}

/** What a boundary search searches: the same command again must ask for the same, to resume it. */
export interface BoundarySearchSettings {
  readonly param: string;
  readonly range: readonly [number, number];
  readonly scale: 'log' | 'linear';
  readonly rel_tol: number;
  readonly unstable_verdicts: readonly string[];
  readonly across: { readonly key: string; readonly values: readonly AxisValue[] } | null;
}

/** Run ids name directories: two runs with one id would share one. */
function requireUniqueIds(runs: ReadonlyArray<{ readonly id: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const [i, run] of runs.entries()) {
    if (seen.has(run.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${run.id}" appears twice, run ids must be unique` });
    seen.add(run.id);
  }
}

const runEntry = z.looseObject({ id: runId, coords, config_sha256: z.string() });

const fields = {
  format_version: z.number().int().positive(),
  name: z.string(),
  created: z.string(),
  mo_train_version: z.string(),
  node: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  flags: z.record(z.string(), z.unknown()),
  document: z.record(z.string(), z.unknown()),
  grid: z.looseObject({
    alpha: z.array(anyNumber),
    seeds: z.array(z.number().int()),
    axes: z.array(z.looseObject({ key: z.string(), values: z.array(axisValue) })),
  }),
  runs: z.array(runEntry).superRefine(requireUniqueIds),
  module: z.looseObject({ path: z.string(), sha256: z.string() }).nullable(),
  script: z.looseObject({ path: z.string(), sha256: z.string() }).nullable().optional(),
  boundary: z
    .looseObject({
      param: z.string(),
      range: z.tuple([anyNumber, anyNumber]),
      scale: z.enum(['log', 'linear']),
      rel_tol: anyNumber,
      unstable_verdicts: z.array(z.string()),
      across: z.looseObject({ key: z.string(), values: z.array(axisValue) }).nullable(),
    })
    .optional(),
};

// `satisfies` keeps the schema in step with the interface the writer fills: a field added to one
// and not the other is a compile error.
export const sweepFileSchema = z.looseObject(fields) satisfies z.ZodType<SweepManifest>;

/** What resume needs to tell whether a directory holds the same sweep, and to repeat its flags. */
export type StoredManifest = Pick<
  SweepManifest,
  'format_version' | 'name' | 'created' | 'mo_train_version' | 'cwd' | 'flags' | 'document' | 'runs' | 'module' | 'script' | 'boundary'
>;

const storedSchema = sweepFileSchema.pick({
  format_version: true,
  name: true,
  created: true,
  mo_train_version: true,
  cwd: true,
  flags: true,
  document: true,
  runs: true,
  module: true,
  script: true,
  boundary: true,
}) satisfies z.ZodType<StoredManifest>;

export function parseStoredManifest(value: unknown): Parsed<StoredManifest> {
  return toParsed(storedSchema.safeParse(value));
}

/** What summarize, plot and report need: the runs to look for, in sweep order, and the name. */
export interface SweepRecord {
  readonly format_version: number;
  readonly name: string | null;
  readonly runs: ReadonlyArray<Pick<SweepRunEntry, 'id' | 'coords'>>;
}

// A sweep.json without config hashes or a name still says which runs to look for.
const recordSchema = z.looseObject({
  format_version: fields.format_version,
  name: fields.name.optional(),
  runs: z.array(runEntry.partial({ config_sha256: true })).superRefine(requireUniqueIds),
});

export function parseSweepRecord(value: unknown): Parsed<SweepRecord> {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) return toParsed(parsed);
  const { format_version, name, runs } = parsed.data;
  return { ok: true, value: { format_version, name: name ?? null, runs: runs.map((r) => ({ id: r.id, coords: r.coords })) } };
}

/** The fields the report shows as settings; each one absent when missing or of another shape. */
export type SweepSettings = Partial<Pick<SweepManifest, 'created' | 'mo_train_version' | 'node' | 'argv' | 'cwd' | 'module'>> & {
  readonly grid?: Partial<SweepManifest['grid']>;
};

// The grid's parts each on their own too: a sweep.json without axes still shows its α and seeds.
const settingsFields = { created: fields.created, mo_train_version: fields.mo_train_version, node: fields.node, argv: fields.argv, cwd: fields.cwd, grid: fields.grid.partial(), module: fields.module.unwrap() };

/**
 * Field by field, never an error: the settings are informational, so one field of another shape
 * (hand-edited, or from another version) leaves out that field, not the rest.
 */
export function parseSweepSettings(value: unknown): SweepSettings {
  const out: Record<string, unknown> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return out;
  for (const [key, schema] of Object.entries(settingsFields)) {
    const parsed = schema.safeParse((value as Record<string, unknown>)[key]);
    if (parsed.success) out[key] = parsed.data;
  }
  return out as SweepSettings;
}
