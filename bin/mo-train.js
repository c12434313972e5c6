#!/usr/bin/env node
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
