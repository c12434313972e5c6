/**
 * The preflight of a command sweep: before anything is written, the program is looked up, and
 * the first grid point's command is started and must print its first step (or exit 0) within a
 * time limit. A wrong path, a missing module or a syntax error is then one clear error instead of
 * a sweep of failed runs. The script runs in a temporary run directory, removed afterwards, and is
 * stopped at its first step.
 */
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { CommandChild } from '../engine/command/command-child.js';
import { UserError } from '../errors.js';
import { createRunDir, writeRunConfig } from '../io/run-files.js';
import { runFiles } from '../results/layout.js';
import { computeCommandEnv, computePlaceholderValues, expandCommand } from '../spec/command-template.js';
import type { RunConfig } from '../spec/types.js';

/** Shown in the errors: how to get past the check. */
const SKIP = 'or skip this check with --no-preflight';

/**
 * The program of a command run, found as the system would find it: a path (with a `/`) against the
 * command's directory, a bare name on PATH. Its absence is a usage error, before anything runs.
 */
export function checkProgram(run: RunConfig): void {
  const source = run.experiment;
  if (source.kind !== 'command') return;
  const program = source.argv[0]!;
  if (program.includes('{')) return; // filled per run: nothing to look up yet
  if (program.includes('/')) {
    const abs = resolve(source.cwd, program);
    let problem: string | null = null;
    try {
      if (!statSync(abs).isFile()) problem = 'is not a file';
      else accessSync(abs, constants.X_OK);
    } catch (err) {
      problem ??= (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'is not executable (chmod +x it, or run it with its interpreter)';
    }
    if (problem !== null) {
      throw new UserError(`--command: ${program}: ${problem} (resolved against ${source.cwd}); allowed: an executable file, or a program on PATH`);
    }
    return;
  }
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  const found = dirs.some((dir) => {
    try {
      const path = join(dir, program);
      if (!statSync(path).isFile()) return false;
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new UserError(`--command: ${program}: command not found on PATH; allowed: a program on PATH, or a path to one (e.g. ./train.sh)`);
}

/** Starts the run's command in a temporary run directory; resolves when it printed a step or exited 0, throws a UserError otherwise. */
export async function checkCommandStarts(run: RunConfig, timeoutMs: number): Promise<void> {
  const source = run.experiment;
  if (source.kind !== 'command') return;
  const dir = mkdtempSync(join(tmpdir(), 'mo-train-preflight-'));
  try {
    const runDir = join(dir, 'run');
    createRunDir(runDir);
    writeRunConfig(runDir, run);
    const expanded = expandCommand(source.argv, computePlaceholderValues(run, { dir: runDir, id: run.id }));
    if (!expanded.ok) throw new UserError(`--command: ${expanded.error}`);
    const shown = expanded.argv.join(' ');
    let printedStep = false;
    const child = new CommandChild(
      { argv: expanded.argv, cwd: source.cwd, env: computeCommandEnv(run, { dir: runDir, id: run.id, configPath: join(runDir, runFiles.config) }) },
      () => {
        printedStep = true;
        child.stop();
      },
    );
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.stop();
    }, timeoutMs);
    const exit = await child.exited.finally(() => clearTimeout(timer));
    if (printedStep) return;
    if (exit.spawnError !== null) throw new UserError(`--command: ${exit.spawnError}`);
    const lastLine = child.lastStderrLines().at(-1)?.trim();
    const said = lastLine ? `; its last line: ${lastLine.slice(0, 300)}` : '';
    if (timedOut) {
      throw new UserError(
        `--command: the first run's command (${shown}) printed no step within ${timeoutMs / 1000} s${said}; raise --preflight-timeout, ${SKIP}`,
      );
    }
    if (exit.code === 0) return;
    const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    throw new UserError(`--command: the first run's command (${shown}) ${how} before printing a step${said}; fix the command, ${SKIP}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
