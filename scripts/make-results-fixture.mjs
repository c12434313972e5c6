#!/usr/bin/env node
// Makes test/fixtures/results-v1/: a small results directory as this version of mo-train writes
// it (sweep.json format 1, summary.json format 1), committed so that every later version is
// tested on reading it (test/unit/results-fixture.test.ts) — the results layout is a public contract,
// and a directory written today must still summarize, plot and report tomorrow.
//
// Run by hand with the built CLI (`npm run build` first): node scripts/make-results-fixture.mjs
// Regenerate it only when the format changes on purpose — then keep the old directory too (as
// results-v1/, next to a new results-v2/), since old directories are what it is there to test.
// Wall times and the `created` time are kept as written: they are part of the format.
//
// The sweep: α = 1, two learning rates (Adam's default, and one that sends the run off at once:
// a diverged run: loss1 past max_loss at step 1), seed 0, 50 steps logged every 10:
// 2 runs, ~15 KB.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join('test', 'fixtures', 'results-v1');
if (existsSync(join(root, out))) rmSync(join(root, out), { recursive: true });
const args = ['sweep', '--alpha', '1', '--seeds', '0', '--set', 'optimizer.lr=0.001,1e6', '--steps', '50', '--log-every', '10', '--jobs', '1', '--out', out];
const result = spawnSync(process.execPath, [join(root, 'bin', 'mo-train.js'), ...args], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
