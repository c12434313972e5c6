/**
 * The report's settings of a command sweep: the command as the user wrote it (placeholders in),
 * its script's hash, and none of mo-train's own training settings the script never received.
 */
import { describe, expect, it } from 'vitest';
import { computeSettings } from '../../src/report/compute-settings.js';
import { makeRunConfig } from '../fixtures/run-config.js';

function config(argv: string[]) {
  return makeRunConfig({ steps: 100, experiment: { kind: 'command', argv, cwd: '/work', script: { path: '/work/train.py', sha256: 'ab'.repeat(32) } } });
}

const sweep = { grid: { alpha: [0, 0.1], seeds: [0], axes: [] } };

describe('the report settings of a command sweep', () => {
  it('show the command with its placeholders and the script hash, not the optimizer, combiner or backend', () => {
    const s = computeSettings(sweep, config(['python3', 'train.py', '--alpha', '{alpha}', '--name', 'a b']));
    const rows = Object.fromEntries([...s.main, ...s.more].map((r) => [r.label, r.value]));
    expect(rows['experiment']).toBe("command: python3 train.py --alpha {alpha} --name 'a b'");
    expect(rows['script']).toBe(`/work/train.py (sha256 ${'ab'.repeat(6)}…)`);
    expect(rows['optimizer']).toBeUndefined();
    expect(rows['combine']).toBeUndefined();
    expect(rows['backend']).toBeUndefined();
    expect(rows['monitor']).toContain('max_loss');
  });

  it('show the optimizer when the command passes it on through a placeholder', () => {
    const s = computeSettings(sweep, config(['python3', 'train.py', '--lr', '{lr}']));
    expect(s.main.find((r) => r.label === 'optimizer')?.value).toContain('lr: 0.001');
  });
});
