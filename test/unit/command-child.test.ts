/**
 * CommandChild: a script's stdout cut into protocol steps and output, and the environment it
 * runs in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CommandChild } from '../../src/engine/command/command-child.js';
import type { ProtocolStep } from '../../src/engine/command/protocol.js';

const saved = process.env['PYTHONUNBUFFERED'];
afterEach(() => {
  if (saved === undefined) delete process.env['PYTHONUNBUFFERED'];
  else process.env['PYTHONUNBUFFERED'] = saved;
});

function start(source: string, env: Record<string, string> = {}): { child: CommandChild; steps: ProtocolStep[] } {
  const steps: ProtocolStep[] = [];
  const child = new CommandChild({ argv: [process.execPath, '-e', source], cwd: process.cwd(), env }, (s) => steps.push(s));
  return { child, steps };
}

describe('CommandChild', () => {
  it('hands on protocol lines as steps and keeps the rest, stderr included, for output.log', async () => {
    const { child, steps } = start(`
      console.log('hello');
      console.log(JSON.stringify({ step: 0, loss1: 1, loss2: 2, acc: 0.5 }));
      console.error('a warning');
      console.log('{"loss1": 1,');
      process.stdout.write('{"step": 1, "loss1": NaN, "loss2": 3}');`);
    const exit = await child.exited;
    expect(exit).toEqual({ code: 0, signal: null, spawnError: null });
    expect(steps.map((s) => [s.step, s.loss1, s.loss2, s.extra])).toEqual([
      [0, 1, 2, { acc: 0.5 }],
      [1, NaN, 3, {}],
    ]);
    expect(child.output.render().split('\n').sort()).toEqual(['', 'a warning', 'hello', '{"loss1": 1,']);
    expect(child.lastStderrLines()).toEqual(['a warning']);
  });

  it("passes mo-train's environment on as it is (no PYTHONUNBUFFERED of its own), with the run's variables added", async () => {
    delete process.env['PYTHONUNBUFFERED'];
    const unset = start(`console.error(JSON.stringify([process.env.PYTHONUNBUFFERED ?? null, process.env.MO_TRAIN_ALPHA]))`, { MO_TRAIN_ALPHA: '0.1' });
    await unset.child.exited;
    expect(unset.child.lastStderrLines()).toEqual(['[null,"0.1"]']);
    process.env['PYTHONUNBUFFERED'] = '0';
    const set = start(`console.error(JSON.stringify(process.env.PYTHONUNBUFFERED))`);
    await set.child.exited;
    expect(set.child.lastStderrLines()).toEqual(['"0"']);
  });

  it('stop(): SIGTERM, then SIGKILL after the grace period to a script that ignores it', async () => {
    const { child } = start(`process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);`);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    child.stop(400);
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(child.stopped).toBe(true);
  });

  it('a program that does not exist: the reason, not a crash', async () => {
    const child = new CommandChild({ argv: ['/no/such/program'], cwd: process.cwd(), env: {} }, () => {});
    expect(await child.exited).toEqual({ code: null, signal: null, spawnError: '/no/such/program: command not found' });
  });
});
