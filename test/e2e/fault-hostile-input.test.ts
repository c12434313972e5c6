/**
 * Hostile input (issue 4), one end-to-end row each through the CLI — `sweep` or `run`, which share
 * the validation (`run` starts no worker processes, so its rows are cheaper): exit 2, one line on
 * stderr naming the flag, key or file and what is allowed, and nothing written — the working
 * directory still empty, the target unchanged. And `summarize` on a damaged results directory reports each
 * problem by path and summarizes the rest (exit 0).
 */
import { cpSync, mkdirSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cli,
  expectNoTempFiles,
  killStartedClis,
  listFiles,
  makeTempDir,
  modulesDir,
  removeTempDirs,
  requireBuilt,
  snapshotTree,
} from '../fixtures/e2e-harness.js';

let work: string;
/** Spec files live here, outside the working directories that must stay empty. */
let specs: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('hostile');
  specs = join(work, 'specs');
  mkdirSync(specs);
  const files: Record<string, string> = {
    'steps-string.yaml': 'steps: "100"\n',
    'alpha-null.yaml': 'alpha: null\n',
    'seeds-empty.yaml': 'seeds: []\n',
    'seeds-duplicate.yaml': 'seeds: [1, 1]\n',
    'duplicate-key.json': '{"steps": 10, "steps": 20}\n',
    'misspelled.yaml': 'stpes: 10\n',
    'alpha-underflow.yaml': 'alpha: [0, 1e-400]\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(specs, name), text);
  // The seed experiment's state_dict as Python's json.dumps writes it: bare NaN/Infinity tokens
  // (not JSON, but Python's default); and one with a quoted number, a string where a number belongs.
  const seedDict = (bad: string) =>
    `{"fc1.weight": [[0.1], [0.2], [${bad}], [0.4], [0.5]], "fc1.bias": [0, 0, 0, 0, 0], ` +
    `"fc2.weight": ${JSON.stringify(Array(10).fill([0.1, 0.1, 0.1, 0.1, 0.1]))}, "fc2.bias": ${JSON.stringify(Array(10).fill(0))}, ` +
    `"fc3.weight": [${JSON.stringify(Array(10).fill(0.1))}], "fc3.bias": [Infinity]}\n`;
  writeFileSync(join(specs, 'init-python-nan.json'), seedDict('NaN'));
  writeFileSync(join(specs, 'init-huge.json'), seedDict('1e200').replace('[Infinity]', '[0]'));
  writeFileSync(join(specs, 'init-string.json'), seedDict('"0.3"').replace('[Infinity]', '[0]'));
  // 3 MiB of valid YAML (a long comment): only its size is wrong.
  writeFileSync(join(specs, 'huge.yaml'), `steps: 10\n#${'x'.repeat(3 * 1024 * 1024 - 12)}\n`);
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const spec = (name: string) => join(specs, name);
const mod = (name: string) => join(modulesDir, name);

describe('bad flags, specs and modules: exit 2, one line, nothing written', () => {
  it.concurrent.each([
    { name: 'sweep --alpha 0.1x', args: ['sweep', '--alpha', '0.1x'], says: ['--alpha', '"0.1x"', 'allowed: finite numbers ≥ 0'] },
    { name: 'sweep --alpha ""', args: ['sweep', '--alpha', ''], says: ['--alpha', 'empty value'] },
    { name: 'sweep --alpha NaN', args: ['sweep', '--alpha', 'NaN'], says: ['--alpha', '"NaN"'] },
    { name: 'sweep --alpha 1e309', args: ['sweep', '--alpha', '1e309'], says: ['--alpha', '1e309 is not a finite number'] },
    {
      name: 'sweep --alpha 0,1e-400 (underflows to 0)',
      args: ['sweep', '--alpha', '0,1e-400'],
      says: ['--alpha: 1e-400 underflows to 0 in double precision', '5e-324'],
    },
    {
      name: 'a spec with alpha: [0, 1e-400]',
      args: () => ['run', '--spec', spec('alpha-underflow.yaml')],
      says: ['alpha-underflow.yaml', 'alpha[1]: 1e-400 underflows to 0 in double precision'],
    },
    { name: 'sweep --steps 0', args: ['sweep', '--steps', '0'], says: ['--steps', 'allowed: an integer from 1'] },
    { name: 'run --steps -5', args: ['run', '--steps', '-5'], says: ['--steps', '-5'] },
    { name: 'run --steps 2.5', args: ['run', '--steps', '2.5'], says: ['--steps', '2.5'] },
    {
      name: 'a spec with steps: "100"',
      args: () => ['run', '--spec', spec('steps-string.yaml')],
      says: ['steps-string.yaml', 'steps: expected a number, got "100" (a string)'],
    },
    { name: 'a spec with alpha: null', args: () => ['run', '--spec', spec('alpha-null.yaml')], says: ['alpha-null.yaml', 'alpha: ', 'null'] },
    { name: 'a spec with seeds: []', args: () => ['sweep', '--spec', spec('seeds-empty.yaml')], says: ['seeds-empty.yaml', 'seeds: an empty list'] },
    {
      name: 'a spec with seeds: [1, 1]',
      args: () => ['sweep', '--spec', spec('seeds-duplicate.yaml')],
      says: ['seeds-duplicate.yaml', 'seeds: 1 appears twice'],
    },
    {
      name: 'sweep --seeds past 2³² (one line, a hint for seeds)',
      args: ['sweep', '--seeds', '4294967290-4294967300'],
      says: ['--seeds: seeds[6]: 4294967296 is too large (and 4 more', 'a range "0-4"'],
    },
    { name: 'sweep --seeds 3,3', args: ['sweep', '--seeds', '3,3'], says: ['--seeds', '3 appears twice'] },
    {
      name: 'a spec file above 1 MiB, refused before it is read',
      args: () => ['run', '--spec', spec('huge.yaml')],
      says: ['--spec', 'huge.yaml', '3145728 bytes', 'at most 1 MiB (1048576 bytes)'],
    },
    {
      name: '--init from Python with bare NaN: read, then refused by name and index',
      args: () => ['run', '--init', spec('init-python-nan.json')],
      says: ['--init', 'init-python-nan.json', 'fc1.weight[2][0] is NaN; initial weights must be finite', 'fc3.bias[0] is Infinity'],
    },
    {
      name: '--init with a string for a weight: a wrong type, not a wrong shape',
      args: () => ['run', '--init', spec('init-string.json')],
      says: ['--init', 'fc1.weight[2][0] is a string ("0.3"), not a number'],
    },
    {
      name: 'a loss that is Infinity at the start (fused)',
      args: ['sweep', '--seeds', '0-2', '--set', 'experiment.target=1e200'],
      says: ['loss1 is Infinity at the starting parameters of seed 0', 'experiment seed'],
    },
    {
      name: 'a loss that is Infinity at the start (tfjs, float32)',
      args: ['run', '--engine', 'tfjs', '--set', 'experiment.target=1e20'],
      says: ['loss1 is Infinity at the starting parameters of seed 0'],
    },
    {
      name: 'a module loss that is -Infinity at the start',
      args: () => ['sweep', '--module', mod('log-of-zero-at-start.mjs')],
      says: ['log-of-zero-at-start.mjs', 'loss2 is -Infinity at the starting parameters of seed 0'],
    },
    {
      name: '--init weights that make a loss Infinity',
      args: () => ['run', '--init', spec('init-huge.json')],
      says: ['--init', 'init-huge.json', 'loss1 is Infinity at the starting parameters'],
    },
    {
      name: 'a misspelled parameter name in a functional module',
      args: () => ['run', '--module', mod('functional-typo.mjs')],
      says: [
        'functional-typo.mjs: loss1 threw: unknown parameter "encoder.weigth" (did you mean "encoder.weight"?); known: encoder.weight, encoder.bias, head.weight (at line 11:',
      ],
    },
    {
      name: 'a JSON spec with a duplicate key',
      args: () => ['run', '--spec', spec('duplicate-key.json')],
      says: ['duplicate-key.json', 'duplicate key "steps"'],
    },
    {
      name: 'a spec with a misspelled key',
      args: () => ['run', '--spec', spec('misspelled.yaml')],
      says: ['misspelled.yaml', 'stpes: unknown key (did you mean "steps"?)'],
    },
    { name: 'sweep --set with a misspelled key', args: ['sweep', '--set', 'optimzer.lr=0.1'], says: ['optimzer.lr', 'did you mean "optimizer.lr"'] },
    { name: 'a missing module', args: () => ['run', '--module', join(specs, 'no-such-module.ts')], says: ['--module', 'no-such-module.ts', 'no such file'] },
    { name: 'a module with a syntax error', args: () => ['run', '--module', mod('syntax-error.ts')], says: ['syntax-error.ts', 'syntax error'] },
    {
      name: 'a module that throws on import',
      args: () => ['run', '--module', mod('throws-on-import.ts')],
      says: ['throws-on-import.ts', 'threw while being imported: dataset path not configured'],
    },
    { name: 'a module of the wrong shape', args: () => ['run', '--module', mod('wrong-shape.ts')], says: ['wrong-shape.ts', 'missing: loss1'] },
  ])('$name', async ({ args, says }) => {
    const cwd = makeTempDir('bad');
    const r = await cli(typeof args === 'function' ? args() : args, { cwd, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.startsWith('mo-train: '), r.stderr).toBe(true);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(listFiles(cwd)).toEqual([]);
  });
});

describe.concurrent('bad output directories: exit 2, one line, nothing written', () => {
  it('--out that is a file', async () => {
    const cwd = makeTempDir('out-file');
    writeFileSync(join(cwd, 'taken'), 'not a directory\n');
    const before = snapshotTree(cwd);
    const r = await cli(['sweep', '--steps', '5', '--out', 'taken'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('mo-train: --out taken: is a file, not a directory; pass a new directory\n');
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it('--out that cannot be created (under /proc: tests run as root, so permissions would not stop it)', async () => {
    const cwd = makeTempDir('out-proc');
    // A hang here (Node's recursive mkdir spins on /proc) is killed after 15 s and fails the test.
    const r = await cli(['sweep', '--steps', '5', '--out', '/proc/mo-train-test/out'], { cwd, timeoutMs: 15_000 });
    expect(r.signal, 'mo-train hung').toBe(null);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe('mo-train: --out /proc/mo-train-test/out: cannot create it (ENOENT)\n');
    expect(listFiles(cwd)).toEqual([]);
  });

  it('a resumed directory whose runs/ is a symbolic link: refused, nothing deleted through it', async () => {
    const cwd = makeTempDir('symlink');
    const made = await cli(['sweep', '--alpha', '0,0.1', '--steps', '50', '--jobs', '1', '--out', 'sweep'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    // runs/ moved elsewhere and linked back, with a run that a resume would clear and redo.
    const victim = join(cwd, 'elsewhere');
    renameSync(join(cwd, 'sweep', 'runs'), victim);
    symlinkSync(victim, join(cwd, 'sweep', 'runs'));
    rmSync(join(victim, 'alpha=0.1,seed=0', 'summary.json'));
    const before = snapshotTree(cwd);

    const r = await cli(['sweep', '--resume', 'sweep'], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${join(cwd, 'sweep', 'runs')}: is a symbolic link`);
    expect(snapshotTree(cwd)).toEqual(before);
  });
});

describe('summarize on a damaged results directory', () => {
  let damaged: string;
  let out: { code: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    const cwd = makeTempDir('damaged');
    const made = await cli(['sweep', '--alpha', '0,0.1,1', '--seeds', '0-1', '--steps', '300', '--jobs', '2', '--out', 'sweep'], { cwd });
    expect(made.code, made.stderr).toBe(0);
    damaged = join(cwd, 'damaged');
    cpSync(join(cwd, 'sweep'), damaged, { recursive: true });
    const run = (id: string, file: string) => join(damaged, 'runs', id, file);
    // A steps.csv cut in the middle of a line (a copy interrupted, a full disk).
    const steps = run('alpha=0,seed=0', 'steps.csv');
    truncateSync(steps, readFileSync(steps).length - 25);
    writeFileSync(run('alpha=0,seed=1', 'summary.json'), '');
    // A summary.json written by a newer mo-train: read as far as it goes, and said so.
    const newer = run('alpha=0.1,seed=0', 'summary.json');
    writeFileSync(newer, readFileSync(newer, 'utf8').replace('"format_version": 1', '"format_version": 7'));
    writeFileSync(join(damaged, 'runs', 'notes.txt'), 'stray\n');
    mkdirSync(join(damaged, 'runs', 'old-run'));
    const sweepJson = join(damaged, 'sweep.json');
    writeFileSync(sweepJson, readFileSync(sweepJson, 'utf8').replace('"format_version": 1', '"format_version": 2'));
    out = await cli(['summarize', 'damaged'], { cwd });
  });

  it('exits 0 and reports each problem by its path', () => {
    expect(out.code, out.stderr).toBe(0);
    const notes = out.stdout.slice(out.stdout.indexOf('\nnotes\n'));
    expect(notes).toContain('damaged/runs/alpha=0,seed=0/steps.csv: ');
    expect(notes).toContain('damaged/runs/alpha=0,seed=1/summary.json: empty file');
    expect(notes).toContain('damaged/runs/alpha=0.1,seed=0/summary.json: format_version 7 is newer than this mo-train reads (1)');
    expect(notes).toContain('damaged/runs/notes.txt: not part of this sweep');
    expect(notes).toContain('damaged/runs/old-run: not part of this sweep');
    expect(notes).toContain('damaged/sweep.json: format_version 2 is newer than this mo-train reads (1)');
  });

  it('summarizes the rest', () => {
    const row = (id: string) => out.stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
    expect(row('alpha=0,seed=0')).toMatch(/ corrupt /);
    expect(row('alpha=0,seed=1')).toMatch(/ corrupt /);
    for (const id of ['alpha=0.1,seed=1', 'alpha=1,seed=0', 'alpha=1,seed=1']) expect(row(id), id).toMatch(/ (converged|oscillating|drifting|diverged) /);
    expect(out.stdout).toContain('wrote damaged/summary.csv and damaged/by-alpha.csv');
    expectNoTempFiles(damaged);
  });
});
