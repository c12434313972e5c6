#!/usr/bin/env -S node --max-semi-space-size=32
// --max-semi-space-size=32 (MB): tfjs allocates a few short-lived objects per kernel, and with
// V8's default 16 MB young generation a tfjs run spends ~20% of its time in scavenges; measured
// with `npm run bench` on experiments/seed.ts: ~180 → ~140 µs/step. Memory is only taken when used.
// (`env -S` splits the flags; sweep workers get the same flag from src/runner/run-sweep.ts.)
// Thin launcher: the CLI is compiled from src/ into dist/ by `npm ci` (the `prepare` script).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    process.stderr.write('mo-train: not built yet; run `npm run build` (npm ci does it) in the mo-train directory\n');
    process.exit(2);
  }
  throw err;
}
await cli.main(process.argv.slice(2));
