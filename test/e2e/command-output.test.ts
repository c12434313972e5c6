/**
 * A command run's script printing far too much (issue 12), end to end with real child processes:
 * a flood of log lines between its steps, one 100 MB line. mo-train keeps every step, keeps
 * output.log bounded (its head, its tail, and how much was left out between them, counted
 * exactly), and its memory stays flat.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countLeftOut, NODE_ON_PATH, nodeCommand, readStepLines, stepsHeader } from '../fixtures/command/command-helpers.js';
import { killStartedClis, makeTempDir, readJson, removeTempDirs, requireBuilt, startCli, type CliResult } from '../fixtures/e2e-harness.js';

let work: string;
beforeAll(() => {
  requireBuilt();
  work = makeTempDir('command-output');
});
afterAll(() => {
  killStartedClis();
  removeTempDirs();
});

/** output.log keeps the first and the last MiB of what the script printed besides its steps. */
const LOG_BOUND = 2 * 1024 * 1024 + 200;

/**
 * `mo-train run` of a command, with the peak resident memory of mo-train's own process (VmHWM,
 * read from /proc while it runs: the script's memory is not counted).
 */
async function runMeasured(out: string, command: string): Promise<CliResult & { peakKb: number }> {
  const run = startCli(['run', '--command', command, '--out', out], { cwd: work, env: NODE_ON_PATH });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${run.pid}/status`, 'utf8'))?.[1];
      if (kb !== undefined) peakKb = Math.max(peakKb, Number(kb));
    } catch {
      // gone
    }
  }, 10);
  try {
    return { ...(await run.done), peakKb };
  } finally {
    clearInterval(poll);
  }
}

const runDirOf = (out: string) => join(work, out, 'runs', 'alpha=0,seed=0');

describe.concurrent('a script that prints far too much', () => {
  it('200,000 log lines between 1,000 steps: every step in steps.csv, output.log bounded with its head and tail and the exact count left out', async () => {
    const r = await runMeasured('flood', nodeCommand('flood.mjs', '1000', '200'));
    expect(r.code, r.stderr).toBe(0);
    const runDir = runDirOf('flood');
    const { header, rows } = readStepLines(runDir);
    expect(header).toBe(stepsHeader());
    expect(rows).toEqual(Array.from({ length: 1000 }, (_, s) => `${s},${s + 1},0.5,${s + 1},,,,0,`));
    expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', steps_run: 1000, rows_logged: 1000, final: { step: 999, loss1: 1000 } });

    // What the script printed besides its steps (flood.mjs): the noise lines, then "flood done".
    const pad = 'x'.repeat(60);
    let printed = 0;
    for (let s = 0; s < 1000; s++) for (let i = 0; i < 200; i++) printed += `noise ${s}.${i} ${pad}\n`.length;
    printed += 'flood done\n'.length;
    const log = readFileSync(join(runDir, 'output.log'), 'utf8');
    expect(log.length).toBeLessThan(LOG_BOUND);
    expect(log.startsWith(`noise 0.0 ${pad}\nnoise 0.1 ${pad}\n`)).toBe(true);
    expect(log.endsWith(`noise 999.199 ${pad}\nflood done\n`)).toBe(true);
    const markers = log.match(/^\[… \d+ bytes of output left out …\]\n/gm) ?? [];
    expect(markers).toHaveLength(1);
    // Kept + left out = printed, to the byte.
    expect(log.length - markers[0]!.length + countLeftOut(log)).toBe(printed);
  });

  describe('one 100 MB line between two steps', () => {
    // Run once, read by both tests below; a run of the same script printing a 0 MB line is the baseline of memory.
    let big: Promise<CliResult & { peakKb: number }> | undefined;
    let baseline: Promise<CliResult & { peakKb: number }> | undefined;
    const bigRun = () => (big ??= runMeasured('big-line', nodeCommand('big-line.mjs', '100')));
    const baselineRun = () => (baseline ??= runMeasured('big-line-0', nodeCommand('big-line.mjs', '0')));

    it('the steps before and after it are kept, and mo-train’s memory stays flat (it never holds the line)', async () => {
      const [r, base] = await Promise.all([bigRun(), baselineRun()]);
      expect(r.code, r.stderr).toBe(0);
      expect(base.code, base.stderr).toBe(0);
      const runDir = runDirOf('big-line');
      expect(readStepLines(runDir).rows).toEqual(['0,1,0.25,1,,,,0,', '1,2,0.25,2,,,,0,', '2,3,0.25,3,,,,0,', '3,4,0.25,4,,,,0,']);
      expect(readJson(join(runDir, 'summary.json'))).toMatchObject({ status: 'finished', rows_logged: 4, final: { step: 3, loss1: 4 } });
      const log = readFileSync(join(runDir, 'output.log'), 'utf8');
      expect(log.length).toBeLessThan(LOG_BOUND);
      expect(log.endsWith('big line done\n')).toBe(true);
      expect(base.peakKb, 'no VmHWM read from /proc').toBeGreaterThan(0);
      // Holding the line even once would be +100 MB (as a Buffer; more as a string).
      expect(r.peakKb - base.peakKb, `peak RSS ${r.peakKb} kB against ${base.peakKb} kB without the line`).toBeLessThan(48 * 1024);
    });

    it('output.log says how much of it was left out: what it kept of the line and the bytes it says it left out add up to the line', async () => {
      const r = await bigRun();
      expect(r.code, r.stderr).toBe(0);
      const log = readFileSync(join(runDirOf('big-line'), 'output.log'), 'utf8');
      const kept = log.match(/a+/g)?.reduce((n, run) => n + run.length, 0) ?? 0;
      // The line: 100 MiB of "a" and its newline; the rest of what the script printed besides its steps is "big line done\n", kept.
      expect(kept + countLeftOut(log), `output.log:\n${log.replace(/a{80,}/g, (m) => `a×${m.length}`)}`).toBeGreaterThanOrEqual(100 * 1024 * 1024);
      // (A marker dropped with the line may add its own few bytes to the count.)
      expect(kept + countLeftOut(log)).toBeLessThanOrEqual(100 * 1024 * 1024 + 200);
    });
  });
});
