/**
 * What `--help` says, and `mo-train` with no arguments (issue 10): the help is true, free of
 * commander's noise, and asking for nothing gets the help where `--help` puts it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, killStartedClis, makeTempDir, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';

let cwd: string;
beforeAll(() => {
  requireBuilt();
  cwd = makeTempDir('help');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** Help text with commander's wrapping and column padding undone, to match phrases whatever the width. */
const unwrap = (text: string) => text.replace(/\s+/g, ' ');

describe('mo-train with no arguments', () => {
  it('prints the same help as --help, on stdout, and exits 0', async () => {
    const [bare, help] = await Promise.all([cli([], { cwd }), cli(['--help'], { cwd })]);
    expect(help.code).toBe(0);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toBe('');
    expect(bare.stdout).toContain('Usage: mo-train [options] [command]');
    expect(bare.stdout).toBe(help.stdout);
  });
});

describe('--help', () => {
  it.concurrent.each([[[]], [['run']], [['sweep']], [['summarize']], [['report']], [['plot']]])('%j --help shows no "(default: [])"', async (command) => {
    const r = await cli([...command, '--help'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: mo-train');
    expect(r.stdout).not.toContain('default: []');
  });

  it('sweep --help says an --out that holds the sweep is resumed (and it is)', async () => {
    const help = await cli(['sweep', '--help'], { cwd });
    expect(unwrap(help.stdout)).toContain(
      '--out <dir> results directory (default: results/<name>-<time>): a new or empty one, or one that holds this same sweep, which is resumed',
    );
    const args = ['sweep', '--alpha', '0,0.1', '--steps', '50', '--jobs', '1', '--out', 'out'];
    expect((await cli(args, { cwd })).code).toBe(0);
    const again = await cli(args, { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming: 2 finished, 0 to do');
  });

  it('run --help says its --out must be new or empty (and it must)', async () => {
    const help = await cli(['run', '--help'], { cwd });
    expect(unwrap(help.stdout)).toContain('--out <dir> results directory (default: results/run-<name>-<time>); must be new or empty');
    mkdirSync(join(cwd, 'taken'));
    writeFileSync(join(cwd, 'taken', 'keep.txt'), 'mine');
    const r = await cli(['run', '--steps', '10', '--out', 'taken'], { cwd });
    expect(r.code).toBe(2);
  });

  it('--set still collects repeated values without a default', async () => {
    const r = await cli(['run', '--steps', '20', '--set', 'optimizer=sgd', '--set', 'lr=0.5', '--out', 'set'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(cwd, 'set', 'runs', 'alpha=0,seed=0', 'config.json'), 'utf8'));
    expect(config.optimizer.name).toBe('sgd');
    expect(config.optimizer.lr).toBe(0.5);
  });
});
