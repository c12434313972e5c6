/**
 * Files the user points at: the spec file, and the module/init paths the spec names.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { sha256File } from './run-files.js';

/**
 * A spec is settings, not data: the largest real one is a few kB. Past this, parsing (yaml builds a
 * node per token) took seconds and gigabytes before any error could be given (50 MB: 12 s, 1.8 GB).
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function readSpecFile(path: string, cwd: string): { path: string; text: string } {
  const abs = resolve(cwd, path);
  try {
    const stat = statSync(abs);
    if (!stat.isFile()) throw new UserError(`--spec ${path}: is not a file`);
    if (stat.size > MAX_SPEC_BYTES) {
      throw new UserError(
        `--spec ${path}: ${stat.size} bytes; allowed: at most 1 MiB (${MAX_SPEC_BYTES} bytes) — a spec holds settings; put data in a module or an --init file`,
      );
    }
    return { path, text: readFileSync(abs, 'utf8') };
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`--spec ${path}: cannot read it (${describeFsError(err)})`);
  }
}

/** Absolute path and sha256 of a file the spec names, or why it cannot be used. */
export function resolveUserFile(path: string, baseDir: string): { absPath: string; sha256: string } | { error: string } {
  const absPath = resolve(baseDir, path);
  try {
    if (!statSync(absPath).isFile()) return { error: `${absPath} is not a file` };
    return { absPath, sha256: sha256File(absPath) };
  } catch (err) {
    return { error: `cannot read ${absPath} (${describeFsError(err)})` };
  }
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (err as Error).message;
}
