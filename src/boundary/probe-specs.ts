/**
 * The runs of a boundary search: every probe is an ordinary run, resolved by the same spec parser
 * as a sweep's grid point (so its settings, defaults and checks are a sweep's), with an id that
 * carries the probed value — `alpha=0.0316,seed=2`, `alpha=0,seed=0,optimizer.lr=0.178`.
 *
 * The flags given are the base: every setting but the searched one (`--param`) and the `--across`
 * one takes one value; the searched one takes its values from the search.
 */
import { UserError } from '../errors.js';
import { defaultAlphas } from '../spec/settings.js';
import { formatAxisValue, formatRunId } from '../spec/expand-grid.js';
import { parseSpecFlags } from '../spec/parse-flags.js';
import { parseSpecText } from '../spec/parse-spec-text.js';
import { parseSweepSpec, type SpecContext, type SpecFile, type SpecFlags } from '../spec/parse-spec.js';
import type { AxisValue, RunConfig, SweepSpec } from '../spec/types.js';
import type { SearchTrack } from './search.js';

export interface AcrossAxis {
  /** A canonical setting key (`optimizer.lr`), or `alpha`. */
  readonly key: string;
  readonly values: readonly AxisValue[];
}

export interface ProbeSpecs {
  /** The searched setting at LO and HI, every --across value, every seed: the spec checked once, before anything runs. */
  readonly base: SweepSpec;
  /** One search per --across value (outer) and seed (inner): the order of boundary.json's `seeds`. */
  readonly tracks: readonly SearchTrack[];
  /** The run probing `value` for `track` (the same object for the same probe). */
  probe(track: SearchTrack, value: number): RunConfig;
}

/**
 * Checks the base flags with the searched setting at both ends of the range and returns the
 * probe builder; throws a UserError (one line per problem) when they do not make a search.
 */
export function createProbeSpecs(
  flags: SpecFlags,
  file: SpecFile | undefined,
  ctx: SpecContext,
  param: string,
  range: readonly [number, number],
  across: AcrossAxis | null,
): ProbeSpecs {
  const given = parseSpecFlags(flags);
  const where = (key: string) => [...given.settings, ...given.axes, ...given.lists, ...given.scriptAxes].find((s) => s.key === key)?.origin.where;
  for (const [key, flag] of [[param, '--param'], ...(across ? [[across.key, '--across']] : [])] as const) {
    const other = where(key);
    if (other !== undefined) throw new UserError(`${flag} ${key}: also given as ${other}; the search sets ${key} itself (drop ${other})`);
  }
  // α takes one value unless it is searched: the default of `run` (0), not the sweep's four.
  const alphaVaries = param === 'alpha' || across?.key === 'alpha';
  const alphaGiven = where('alpha') !== undefined || fileNames(file, 'alpha');
  const base: SpecFlags = { ...flags, ...(!alphaVaries && !alphaGiven ? { alpha: defaultAlphas('run').join(',') } : {}) };
  delete base.seed;
  if (flags.seed !== undefined) base.seeds = flags.seed;

  const parse = (values: readonly number[], acrossValues: readonly AxisValue[] | null, seeds: string | undefined): SweepSpec => {
    const f: SpecFlags = { ...base, set: [...(base.set ?? [])] };
    if (seeds !== undefined) f.seeds = seeds;
    const put = (key: string, text: string) => (key === 'alpha' ? (f.alpha = text) : f.set!.push(`${key}=${text}`));
    put(param, values.map(String).join(','));
    if (across && acrossValues) put(across.key, acrossValues.map(formatAxisValue).join(','));
    const result = parseSweepSpec(f, file, ctx);
    if (!result.ok) throw new UserError(result.errors.map((e) => renameFlags(e, param, across?.key ?? null)).join('\nmo-train: '));
    return result.spec;
  };

  const spec = parse([range[0], range[1]], across?.values ?? null, undefined);
  const others = spec.axes.filter((a) => a.key !== param && a.key !== across?.key);
  if (others.length > 0) {
    const a = others[0]!;
    throw new UserError(
      `${a.key}: ${a.values.length} values given; a boundary search varies only --param (and --across); give ${a.key} one value, or search across it with --across ${a.key}=…`,
    );
  }
  if (!alphaVaries && spec.alphas.length > 1) {
    throw new UserError(`alpha: ${spec.alphas.length} values given; a boundary search of ${param} takes one α (or --across alpha=…)`);
  }

  const tracks: SearchTrack[] = (across?.values ?? [null]).flatMap((a) => spec.seeds.map((seed) => ({ seed, across: a })));
  const cache = new Map<string, RunConfig>();
  const probe = (track: SearchTrack, value: number): RunConfig => {
    const key = `${track.seed}\u0000${track.across === null ? '' : formatAxisValue(track.across)}\u0000${value}`;
    const known = cache.get(key);
    if (known) return known;
    const run = parse([value], track.across === null ? null : [track.across], String(track.seed)).runs[0]!;
    // The id carries the probed value and the across value even where they are one value each.
    const coords: Record<string, AxisValue> = { alpha: run.alpha, seed: run.seed };
    for (const [k, v] of Object.entries(run.coords)) if (k !== 'alpha' && k !== 'seed') coords[k] = v;
    if (across && across.key !== 'alpha') coords[across.key] = track.across!;
    if (param !== 'alpha') coords[param] = value;
    const config: RunConfig = { ...run, id: formatRunId(coords), coords };
    cache.set(key, config);
    return config;
  };
  return { base: spec, tracks, probe };
}

/** Whether the spec file sets `key` (at the top, or under `sweep:`). */
function fileNames(file: SpecFile | undefined, key: string): boolean {
  if (!file) return false;
  const parsed = parseSpecText(file.path, file.text);
  if (!parsed.ok) return false; // the spec parser reports it
  const sweep = parsed.doc.sweep;
  return Object.hasOwn(parsed.doc, key) || (typeof sweep === 'object' && sweep !== null && Object.hasOwn(sweep, key));
}

/** The spec parser names the flags the search wrote (`--set optimizer.lr`, `--alpha`); the user gave --range and --across. */
function renameFlags(message: string, param: string, acrossKey: string | null): string {
  const flagOf = (key: string) => (key === 'alpha' ? '--alpha' : `--set ${key}`);
  let out = message.split(`${flagOf(param)}:`).join(`--range (${param}):`);
  if (acrossKey !== null) out = out.split(`${flagOf(acrossKey)}:`).join(`--across ${acrossKey}:`);
  return out;
}
