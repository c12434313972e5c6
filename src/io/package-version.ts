/**
 * mo-train's own version, from the package.json above this file (in src/ or dist/). Its own
 * module: every command reads it (--version, sweep.json), and nothing heavy should come with it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

export function readPackageVersion(): string {
  if (version !== undefined) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mo-train' && pkg.version) return (version = pkg.version);
    } catch {
      // not here: look further up
    }
    if (dirname(dir) === dir) return (version = 'unknown');
  }
}
