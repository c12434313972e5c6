#!/usr/bin/env node
// The `prepare` script: compiles src/ into dist/ unless dist/ is already newer than every source.
// Why not plain tsc: npm 11 runs `prepare` not only on `npm ci` but again every time `npx mo-train`
// runs this project's own bin from its directory (it installs the project into its npx cache), and
// the README's first command is exactly that — 10–28 s of recompiling an up-to-date dist/ measured
// on the 2-core machine, against ~1.5 s for npx itself. `npm run build` and `npm test` always compile.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a file removed or renamed touches its directory
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'tsconfig.json')), newestMtime(join(root, 'package.json')));
if (existsSync(stamp) && statSync(stamp).mtimeMs > sources) process.exit(0);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
