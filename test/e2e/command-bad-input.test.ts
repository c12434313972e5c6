/**
 * Bad input to the command engine (issue 12), through the CLI — `run` and `sweep` alike: an empty
 * command, a program that is not found, an unknown placeholder, a command together with a module
 * or experiment, placeholders that make an ambiguous argument, shell syntax, and the settings a
 * command cannot take. Each: exit 2, one line on stderr naming the flag or key and what is
 * allowed, and nothing written — no results directory, the working directory as it was, no
 * preflight directory left in TMPDIR, and a results directory given to --resume untouched.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, makeTempDir, readJson, removeTempDirs, requireBuilt, snapshotTree, type CliResult } from '../fixtures/e2e-harness.js';

/** A script that speaks the protocol: three steps, whatever its arguments. */
const OK_SCRIPT = '#!/bin/sh\nfor i in 0 1 2; do echo "{\\"step\\": $i, \\"loss1\\": 1, \\"loss2\\": 2}"; done\n';

let specs: string;
beforeAll(() => {
  requireBuilt();
  specs = join(makeTempDir('command-specs'), 'specs');
  mkdirSync(specs);
  const files: Record<string, string> = {
    'empty-list.yaml': 'command: []\n',
    'empty-string.yaml': 'command: ""\n',
    'both.yaml': 'command: ["./ok.sh", "{alpha}"]\nmodule: model.ts\n',
    'placeholder.yaml': 'command: ./ok.sh --alpha {alpah}\n',
    'adjacent.yaml': 'command: ["./ok.sh", "--tag", "{alpha}{seed}"]\n',
    'engine.yaml': 'command: ./ok.sh\nengine: fused\n',
    'module.yaml': 'module: model.ts\nsteps: 3\n',
    'command.yaml': 'command: ./ok.sh\nsteps: 20\n',
    'sweep-command.yaml': 'sweep:\n  command: ["./ok.sh", "./other.sh"]\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(specs, name), text);
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

const spec = (name: string) => join(specs, name);

/** A working directory with ok.sh (executable), noexec.sh (not), init.json, and an empty TMPDIR of its own. */
function makeWorkDir(): { cwd: string; env: Record<string, string> } {
  const cwd = makeTempDir('command-bad');
  writeFileSync(join(cwd, 'ok.sh'), OK_SCRIPT, { mode: 0o755 });
  writeFileSync(join(cwd, 'noexec.sh'), OK_SCRIPT, { mode: 0o644 });
  chmodSync(join(cwd, 'noexec.sh'), 0o644);
  writeFileSync(join(cwd, 'init.json'), '{}\n');
  mkdirSync(join(cwd, 'tmp'));
  return { cwd, env: { TMPDIR: join(cwd, 'tmp') } };
}

/** Exit 2, one line starting with "mo-train: ". */
function expectOneLineUsageError(r: CliResult): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.startsWith('mo-train: '), r.stderr).toBe(true);
  expect(r.stderr.endsWith('\n'), r.stderr).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
}

interface BadCase {
  readonly name: string;
  readonly args: () => string[];
  /** What the line must say: the flag or key, what is wrong, what is allowed. */
  readonly says: readonly string[];
  /** Only for this command (the start check and its timeout are the sweep's: a run is its own check). */
  readonly only?: 'run' | 'sweep';
}

const ALLOWED = '; allowed: ';

const cases: readonly BadCase[] = [
  // An empty command.
  { name: '--command ""', args: () => ['--command', ''], says: ['--command: ', 'the command is empty', ALLOWED] },
  { name: '--command "   "', args: () => ['--command', '   '], says: ['--command: ', 'the command is empty', ALLOWED] },
  { name: 'a spec file with command: []', args: () => ['--spec', spec('empty-list.yaml')], says: ['empty-list.yaml: command: ', ALLOWED] },
  {
    name: 'a spec file with command: ""',
    args: () => ['--spec', spec('empty-string.yaml')],
    says: ['empty-string.yaml: command: ', 'the command is empty', ALLOWED],
  },
  // A program that is not found.
  {
    name: 'a bare program name not on PATH',
    args: () => ['--command', 'mo-train-no-such-program --alpha {alpha}'],
    says: ['--command: ', 'mo-train-no-such-program: command not found on PATH', `${ALLOWED}a program on PATH, or a path to one`],
  },
  { name: './missing.sh', args: () => ['--command', './missing.sh --alpha {alpha}'], says: ['--command: ', './missing.sh: no such file'] },
  {
    name: 'a file that exists but is not executable',
    args: () => ['--command', './noexec.sh --alpha {alpha}'],
    says: ['--command: ', './noexec.sh: is not executable', 'chmod +x it, or run it with its interpreter'],
  },
  {
    name: 'a program that is found, with a script that is not (the start check)',
    args: () => ['--command', 'sh ./missing-script.sh --alpha {alpha}'],
    says: ['--command: ', 'missing-script.sh', 'exited with code', 'fix the command, or skip this check with --no-preflight'],
    only: 'sweep',
  },
  // An unknown placeholder.
  {
    name: 'an unknown placeholder, with did-you-mean',
    args: () => ['--command', './ok.sh --alpha {alpah}'],
    says: ['--command: ', 'unknown placeholder {alpah} (did you mean "alpha"?)', `${ALLOWED}placeholders {alpha}, {seed}`, '{run_dir}'],
  },
  {
    name: 'an unknown dotted placeholder, with did-you-mean',
    args: () => ['--command', './ok.sh --lr={optimizer.lt}'],
    says: ['--command: ', 'unknown placeholder {optimizer.lt} (did you mean "optimizer.lr"?)', ALLOWED],
  },
  {
    name: 'an unknown placeholder in a spec file',
    args: () => ['--spec', spec('placeholder.yaml')],
    says: ['placeholder.yaml: command: ', 'unknown placeholder {alpah} (did you mean "alpha"?)', ALLOWED],
  },
  // A command together with a module or an experiment.
  {
    name: '--command with --module',
    args: () => ['--command', './ok.sh', '--module', 'model.ts'],
    says: ['--command: set together with module model.ts', `${ALLOWED}one of experiment, module or command`],
  },
  {
    name: '--command with --experiment',
    args: () => ['--command', './ok.sh', '--experiment', 'seed'],
    says: ['--command: set together with a declarative experiment', `${ALLOWED}one of experiment, module or command`],
  },
  {
    name: 'a spec file with both command: and module:',
    args: () => ['--spec', spec('both.yaml')],
    says: ['both.yaml: command: set together with module model.ts', `${ALLOWED}one of experiment, module or command`],
  },
  // Placeholders that make an argument no script can split back.
  {
    name: 'two adjacent placeholders',
    args: () => ['--command', './ok.sh --tag {alpha}{seed}'],
    says: ['--command: {alpha}{seed}: two placeholders with nothing between them', `${ALLOWED}placeholders separated by other text, e.g. {alpha}_{seed}`],
  },
  {
    name: 'two adjacent placeholders in a spec file’s list',
    args: () => ['--spec', spec('adjacent.yaml')],
    says: ['adjacent.yaml: command: {alpha}{seed}: two placeholders', ALLOWED],
  },
  // Shell syntax: there is no shell.
  { name: 'a pipe', args: () => ['--command', './ok.sh | tee log'], says: ['--command: "|": the command runs without a shell', "sh -c '…'", ALLOWED] },
  { name: 'a ;', args: () => ['--command', './ok.sh; rm -rf o'], says: ['--command: ";": the command runs without a shell', ALLOWED] },
  {
    name: 'a $VARIABLE',
    args: () => ['--command', './ok.sh --out $HOME/x'],
    says: ['--command: $HOME: the command runs without a shell, so variables are not expanded', '{run_dir}', ALLOWED],
  },
  { name: 'an &&', args: () => ['--command', 'cd /tmp && ./ok.sh'], says: ['--command: "&&": the command runs without a shell', ALLOWED] },
  // Settings a command cannot take.
  {
    name: '--engine fused with a command',
    args: () => ['--command', './ok.sh', '--engine', 'fused'],
    says: ['--engine: fused cannot run a command', `${ALLOWED}auto (or leave engine out) with command`],
  },
  {
    name: 'engine: fused in a spec file with a command',
    args: () => ['--spec', spec('engine.yaml')],
    says: ['engine.yaml: engine: fused cannot run a command', ALLOWED],
  },
  {
    name: '--combine pcgrad with a command',
    args: () => ['--command', './ok.sh', '--combine', 'pcgrad'],
    says: ['--combine: ', "pcgrad needs each loss's gradient", `${ALLOWED}fixed with command`],
  },
  {
    name: '--init with a command',
    args: () => ['--command', './ok.sh', '--init', 'init.json'],
    says: ['--init: mo-train cannot load weights into a command', `${ALLOWED}null with command`],
  },
  { name: '--set command=… (not settable)', args: () => ['--set', 'command=./ok.sh'], says: ['--set command: ', ALLOWED] },
  {
    name: '--preflight-timeout abc',
    args: () => ['--command', './ok.sh', '--preflight-timeout', 'abc'],
    says: ['--preflight-timeout: "abc" is not valid', `${ALLOWED}seconds, a number > 0`],
    only: 'sweep',
  },
  {
    name: '--preflight-timeout 0',
    args: () => ['--command', './ok.sh', '--preflight-timeout', '0'],
    says: ['--preflight-timeout: "0" is not valid', ALLOWED],
    only: 'sweep',
  },
  {
    name: '--preflight-timeout given to run, which has no start check',
    args: () => ['--command', './ok.sh', '--preflight-timeout', '5'],
    says: ["unknown option '--preflight-timeout'"],
    only: 'run',
  },
];

describe.each(['run', 'sweep'] as const)('mo-train %s with bad command input: exit 2, one line, nothing written', (command) => {
  it.concurrent.each(cases.filter((c) => (c.only ?? command) === command))('$name', async ({ args, says }) => {
    const { cwd, env } = makeWorkDir();
    const before = snapshotTree(cwd);
    const r = await cli([command, ...args(), '--out', join(cwd, 'o')], { cwd, env, timeoutMs: 30_000 });
    expectOneLineUsageError(r);
    for (const s of says) expect(r.stderr).toContain(s);
    expect(r.stdout).toBe('');
    expect(existsSync(join(cwd, 'o')), 'a results directory was created').toBe(false);
    // Nothing else written either, nor a preflight directory left behind in TMPDIR.
    expect(snapshotTree(cwd)).toEqual(before);
  });
});

describe('a flag that picks what runs replaces the spec file’s choice', () => {
  it('--command with a spec file’s module: runs the command, with the file’s other settings', async () => {
    const { cwd, env } = makeWorkDir();
    const r = await cli(['run', '--spec', spec('module.yaml'), '--command', './ok.sh --alpha {alpha}', '--out', 'o'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const config = readJson(join(cwd, 'o', 'runs', 'alpha=0,seed=0', 'config.json'));
    expect(config.experiment).toMatchObject({ kind: 'command', argv: ['./ok.sh', '--alpha', '{alpha}'], cwd, script: { path: join(cwd, 'ok.sh') } });
    expect(config.steps).toBe(3);
    expect(readFileSync(join(cwd, 'o', 'runs', 'alpha=0,seed=0', 'steps.csv'), 'utf8').split('\n')).toHaveLength(5);
  });

  it('--experiment with a spec file’s command: runs the experiment', async () => {
    const { cwd, env } = makeWorkDir();
    const r = await cli(['run', '--spec', spec('command.yaml'), '--experiment', 'seed', '--out', 'o'], { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    const config = readJson(join(cwd, 'o', 'runs', 'alpha=0,seed=0', 'config.json'));
    expect(config.experiment.kind).toBe('declarative');
    expect(config.steps).toBe(20);
  });
});

describe('sweep --resume with bad command input leaves the results directory as it was', () => {
  let cwd: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ cwd, env } = makeWorkDir());
    const made = await cli(['sweep', '--command', './ok.sh --alpha {alpha}', '--alpha', '0,0.1', '--steps', '3', '--jobs', '1', '--out', 'sweep'], {
      cwd,
      env,
    });
    expect(made.code, made.stderr).toBe(0);
    // One run left unfinished, so a resume would have something to clear and redo.
    rmSync(join(cwd, 'sweep', 'runs', 'alpha=0.1,seed=0', 'summary.json'));
  });

  it.each([
    { name: 'its script no longer executable (refused after the directory was locked)', chmod: 0o644, args: [] as string[], says: 'is not executable' },
    { name: 'an empty --command', chmod: 0o755, args: ['--command', ''], says: 'the command is empty' },
    { name: 'an unknown placeholder', chmod: 0o755, args: ['--command', './ok.sh --alpha {alpah}'], says: 'unknown placeholder {alpah}' },
    { name: '--preflight-timeout abc', chmod: 0o755, args: ['--preflight-timeout', 'abc'], says: '--preflight-timeout' },
  ])('$name', async ({ chmod, args, says }) => {
    chmodSync(join(cwd, 'ok.sh'), chmod);
    try {
      const before = snapshotTree(cwd);
      const r = await cli(['sweep', '--resume', 'sweep', ...args], { cwd, env });
      expectOneLineUsageError(r);
      expect(r.stderr).toContain(says);
      expect(snapshotTree(cwd)).toEqual(before);
    } finally {
      chmodSync(join(cwd, 'ok.sh'), 0o755);
    }
  });
});

/**
 * Bad input the rule covers that mo-train does not yet answer as it asks (found by these tests;
 * each expectation is the rule's: one line, naming what is wrong and what is allowed).
 */
describe('bad command input not yet answered as the rule asks', () => {
  it('--init with a command, the file missing: one line (the init is refused whatever the file), not a second about the file', async () => {
    const { cwd, env } = makeWorkDir();
    const before = snapshotTree(cwd);
    const r = await cli(['run', '--command', './ok.sh', '--init', 'no-such-init.json', '--out', 'o'], { cwd, env });
    expect(r.stderr).toContain('--init: mo-train cannot load weights into a command');
    expectOneLineUsageError(r);
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it.each([
    ['./missing.sh', './missing.sh: no such file'],
    ['./noexec.sh', './noexec.sh: is not executable'],
  ])('a program path that cannot run (%s) says what is allowed, as a program not on PATH does', async (program, says) => {
    const { cwd, env } = makeWorkDir();
    const r = await cli(['run', '--command', `${program} --alpha {alpha}`, '--out', 'o'], { cwd, env });
    expectOneLineUsageError(r);
    expect(r.stderr).toContain(says);
    expect(r.stderr).toContain(ALLOWED);
  });

  it('--set command=…: says a command is given with --command (or command: in the spec), not "unknown key, did you mean combine"', async () => {
    const { cwd, env } = makeWorkDir();
    const r = await cli(['sweep', '--set', 'command=./ok.sh', '--out', 'o'], { cwd, env });
    expectOneLineUsageError(r);
    expect(r.stderr).toContain('--set command');
    expect(r.stderr).not.toContain('unknown key');
    expect(r.stderr).not.toContain('did you mean "combine"');
    expect(r.stderr).toContain('--command');
  });

  it('sweep: {command: …} in a spec file: says command cannot be swept, not "unknown key, did you mean combine"', async () => {
    const { cwd, env } = makeWorkDir();
    const r = await cli(['sweep', '--spec', spec('sweep-command.yaml'), '--out', 'o'], { cwd, env });
    expectOneLineUsageError(r);
    expect(r.stderr).toContain('sweep.command');
    expect(r.stderr).not.toContain('unknown key');
    expect(r.stderr).not.toContain('did you mean "combine"');
  });
});
