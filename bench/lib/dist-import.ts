/**
 * The bench measures the compiled code the CLI runs (`dist/`, built by `npm run bench` first), not
 * a tsx transpilation of `src/`; types come from `src/` through `typeof import(...)`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const BIN_PATH = fileURLToPath(new URL('../../bin/mo-train.js', import.meta.url));

/** Imports `dist/<rel>`; `rel` mirrors the `src/` path with a `.js` suffix. */
export async function importDist<T>(rel: string): Promise<T> {
  const url = new URL(`../../dist/${rel}`, import.meta.url);
  if (!existsSync(url)) throw new Error(`bench: ${fileURLToPath(url)} is missing; run \`npm run build\` (npm run bench does it)`);
  return (await import(url.href)) as T;
}
