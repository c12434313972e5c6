/**
 * Spawns the built CLI (`bin/mo-train.js …`, so its shebang's node flags apply) exactly as a user would, timing it from spawn
 * to exit (so node startup, module loading and the final summary tables are all included).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../src/results/summary-file.js';
import { BIN_PATH, REPO_DIR } from './dist-import.js';

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Spawn to exit, seconds. */
  readonly wallS: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliHooks {
  /** Called once the process exists, with its pid (the coordinator, for a sweep). */
  readonly onSpawn?: (pid: number) => void;
  /** Every complete stderr line, as it arrives. */
  readonly onStderrLine?: (line: string) => void;
  /** Added to the bench's own environment; a variable given as undefined is left out. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Output longer than this is cut to its tail: a 1,000-run sweep prints a large table. */
const KEEP_CHARS = 20_000;

export function runCli(args: readonly string[], hooks: CliHooks = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env = hooks.env ? { ...process.env, ...hooks.env } : process.env;
    const child = spawn(BIN_PATH, [...args], { cwd: REPO_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-KEEP_CHARS);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-KEEP_CHARS);
      if (!hooks.onStderrLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) hooks.onStderrLine(line);
    });
    child.on('error', reject);
    if (child.pid !== undefined) hooks.onSpawn?.(child.pid);
    child.on('close', (code, signal) => {
      resolve({ code, signal, wallS: (performance.now() - t0) / 1000, stdout, stderr });
    });
  });
}

/** Throws with the command's stderr tail unless it exited 0. */
export function checkCliSucceeded(args: readonly string[], r: CliResult): void {
  if (r.code === 0) return;
  const tail = r.stderr.trim().split('\n').slice(-5).join('\n');
  throw new Error(`bench: \`mo-train ${args.join(' ')}\` exited with ${r.code ?? r.signal}:\n${tail}`);
}

/** Every run's summary.json under a results directory. */
export function readRunSummaries(outDir: string): RunSummary[] {
  const runsDir = join(outDir, 'runs');
  return readdirSync(runsDir).map((id) => JSON.parse(readFileSync(join(runsDir, id, 'summary.json'), 'utf8')) as RunSummary);
}
