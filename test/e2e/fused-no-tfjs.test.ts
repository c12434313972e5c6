/**
 * A sweep of declarative runs never loads TensorFlow.js: the fused path imports none of it (the
 * tfjs engine is imported lazily). Checked in a fresh process on the built runner.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'scripts', 'modules-loaded.mjs');
const loaded = (engine: string) =>
  JSON.parse(execFileSync(process.execPath, [script, engine], { encoding: 'utf8' })) as { engine: string; status: string; tensorflowFiles: number };

describe('engine isolation', () => {
  it('a fused run loads no @tensorflow file', () => {
    expect(loaded('auto')).toEqual({ engine: 'fused', status: 'finished', tensorflowFiles: 0 });
  });

  it('(the check can see tfjs: a tfjs run does load it)', () => {
    const r = loaded('tfjs');
    expect(r.engine).toBe('tfjs');
    expect(r.tensorflowFiles).toBeGreaterThan(0);
  });
});
