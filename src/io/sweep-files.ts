/**
 * The sweep-level files: the output directory and sweep.json (see DESIGN.md, "Results layout").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import type { AxisValue, SweepSpec } from '../spec/types.js';
import { writeFileAtomic } from './atomic-write.js';
import { stringifyJson } from './json.js';
import { RUNS_DIR } from './run-files.js';

export const SWEEP_FORMAT_VERSION = 1;

export interface SweepManifest {
  readonly format_version: number;
  readonly name: string;
  readonly created: string;
  readonly mo_train_version: string;
  readonly node: string;
  readonly argv: readonly string[];
  readonly document: Readonly<Record<string, unknown>>;
  readonly grid: { readonly alpha: readonly number[]; readonly seeds: readonly number[]; readonly axes: SweepSpec['axes'] };
  readonly runs: ReadonlyArray<{ readonly id: string; readonly coords: Readonly<Record<string, AxisValue>> }>;
  readonly module: { readonly path: string; readonly sha256: string } | null;
}

export function buildManifest(spec: SweepSpec, argv: readonly string[], created: Date): SweepManifest {
  const first = spec.runs[0];
  const module = first?.experiment.kind === 'module' ? { path: first.experiment.path, sha256: first.experiment.sha256 } : null;
  return {
    format_version: SWEEP_FORMAT_VERSION,
    name: spec.name,
    created: created.toISOString(),
    mo_train_version: readPackageVersion(),
    node: process.version,
    argv,
    document: spec.document,
    grid: { alpha: spec.alphas, seeds: spec.seeds, axes: spec.axes },
    runs: spec.runs.map((r) => ({ id: r.id, coords: r.coords })),
    module,
  };
}

export function writeSweepManifest(outDir: string, manifest: SweepManifest): void {
  writeFileAtomic(join(outDir, 'sweep.json'), stringifyJson(manifest));
}

/**
 * Creates the output directory (and runs/). An explicit `--out` must be new or empty: an existing
 * sweep is never overwritten. Without `--out`: results/<name>-<UTC time>, suffixed -2, -3… if taken.
 */
export function prepareOutDir(out: string | undefined, name: string, now: Date, cwd: string): string {
  let dir: string;
  if (out !== undefined) {
    dir = resolve(cwd, out);
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UserError(`--out ${out}: is a file, not a directory; pass a new directory`);
      if (readdirSync(dir).length > 0) {
        throw new UserError(`--out ${out}: already exists and is not empty (it may hold another sweep); pass a new directory`);
      }
    }
  } else {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const base = resolve(cwd, 'results', `${safeName(name)}-${stamp}`);
    dir = base;
    for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  }
  try {
    mkdirSync(join(dir, RUNS_DIR), { recursive: true });
  } catch (err) {
    throw new UserError(`--out ${out ?? dir}: cannot create it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return dir;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'sweep';
}

let version: string | undefined;
/** mo-train's own version, from the package.json above this file (in src/ or in the bundled dist/). */
export function readPackageVersion(): string {
  if (version !== undefined) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mo-train' && pkg.version) return (version = pkg.version);
    } catch {
      // not here: look further up
    }
    if (dirname(dir) === dir) return (version = 'unknown');
  }
}
