/**
 * `npm run bench:boundary`: `mo-train boundary` against a dense grid sweep over the same range and
 * seeds, on the seed experiment — α with Adam (unstable = oscillating, diverged) and SGD's learning
 * rate at α = 0 (unstable = diverged). Each command runs --repeats times (default 2), alternately,
 * timed spawn → exit; the brackets are compared with the grid's flips
 * (lib/boundary-vs-grid.ts). Prints Markdown: the README's "Boundary search vs a dense grid".
 *
 *   npm run bench:boundary                        both cases, 2 repeats
 *   node --import tsx bench/boundary-vs-grid.ts --repeats 3 --jobs 2
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoundaryFile } from '../src/results/boundary-file.js';
import { bracketText, compareBoundaryToGrid, contradictionText, gridFlipText, shortValue, type BoundaryVsGrid } from './lib/boundary-vs-grid.js';
import { importDist } from './lib/dist-import.js';
import { readGridVerdicts } from './lib/grid-verdicts.js';
import { readMachineFacts } from './lib/machine.js';
import { checkCliSucceeded, runCli } from './lib/run-cli.js';

interface Case {
  readonly name: string;
  readonly param: string;
  /** The flags both commands share (the seeds, steps, optimizer, …). */
  readonly common: readonly string[];
  /** `boundary`'s own: --param, --range, --unstable. */
  readonly boundary: readonly string[];
  /** The grid's own: the searched setting's values. */
  readonly grid: readonly string[];
}

const CASES: readonly Case[] = [
  {
    name: 'α, Adam lr 0.01',
    param: 'alpha',
    common: ['--seeds', '0-4', '--steps', '2000', '--lr', '0.01', '--log-every', '10'],
    boundary: ['--param', 'alpha', '--range', '1e-4,10'],
    grid: ['--alpha', 'logspace(-4,1,41)'],
  },
  {
    name: 'SGD lr, α = 0',
    param: 'optimizer.lr',
    common: ['--optimizer', 'sgd', '--alpha', '0', '--seeds', '0-4', '--steps', '2000', '--log-every', '10'],
    boundary: ['--param', 'optimizer.lr', '--range', '1e-3,1', '--unstable', 'diverged'],
    grid: ['--set', 'optimizer.lr=logspace(-3,0,41)'],
  },
];

interface CaseResult {
  readonly c: Case;
  readonly cmp: BoundaryVsGrid;
  readonly boundaryWall: number[];
  readonly gridWall: number[];
  /** boundary.json's own wall_time_s, per repeat. */
  readonly boundaryInRun: number[];
  /** Whether every repeat found the same brackets (the runs are deterministic). */
  readonly repeatsAgree: boolean;
}

function log(line: string): void {
  process.stderr.write(`bench:boundary: ${line}\n`);
}

/** A command line as a user types it (single quotes where the shell needs them). */
function shellLine(args: readonly string[]): string {
  return ['node bin/mo-train.js', ...args.map((a) => (/^[\w.,=:/-]+$/.test(a) ? a : `'${a}'`))].join(' ');
}

function parseArgs(argv: readonly string[]): { repeats: number; jobs: number } {
  let repeats = 2;
  let jobs = availableParallelism();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const n = Number(argv[i + 1]);
    if ((a === '--repeats' || a === '--jobs') && Number.isInteger(n) && n >= 1) {
      if (a === '--repeats') repeats = n;
      else jobs = n;
      i++;
    } else throw new Error(`unknown or invalid argument "${a}"; allowed: --repeats N, --jobs N`);
  }
  return { repeats, jobs };
}

async function runCase(tmp: string, c: Case, repeats: number, jobs: number): Promise<CaseResult> {
  const { parseBoundaryFile } = await importDist<typeof import('../src/results/boundary-file.js')>('results/boundary-file.js');
  const { parseJson } = await importDist<typeof import('../src/results/json.js')>('results/json.js');
  const boundaryWall: number[] = [];
  const gridWall: number[] = [];
  const boundaryInRun: number[] = [];
  const files: BoundaryFile[] = [];
  let gridDir = '';
  for (let r = 1; r <= repeats; r++) {
    const bDir = join(tmp, `${c.param}-boundary-${r}`);
    const gDir = join(tmp, `${c.param}-grid-${r}`);
    const bArgs = ['boundary', ...c.boundary, ...c.common, '--jobs', String(jobs), '--out', bDir];
    const gArgs = ['sweep', ...c.grid, ...c.common, '--jobs', String(jobs), '--out', gDir];
    // Alternately, so that a change of load on the shared machine falls on both.
    const b = await runCli(bArgs);
    checkCliSucceeded(bArgs, b);
    const g = await runCli(gArgs);
    checkCliSucceeded(gArgs, g);
    log(`${c.name}, repeat ${r}: boundary ${b.wallS.toFixed(2)} s, grid ${g.wallS.toFixed(2)} s (load ${loadText()})`);
    boundaryWall.push(b.wallS);
    gridWall.push(g.wallS);
    const parsed = parseBoundaryFile(parseJson(readFileSync(join(bDir, 'boundary.json'), 'utf8')));
    if (!parsed.ok) throw new Error(`${bDir}/boundary.json: ${parsed.issue}`);
    files.push(parsed.value);
    boundaryInRun.push(parsed.value.wall_time_s);
    if (r === 1) gridDir = gDir;
  }
  const brackets = (f: BoundaryFile) => JSON.stringify(f.seeds.map((s) => [s.status, s.stable, s.unstable, s.probes.length]));
  const repeatsAgree = files.every((f) => brackets(f) === brackets(files[0]!));
  const grid = readGridVerdicts(gridDir, c.param);
  return { c, cmp: compareBoundaryToGrid(files[0]!, grid.bySeed, grid.runs), boundaryWall, gridWall, boundaryInRun, repeatsAgree };
}

function loadText(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

const seconds = (xs: readonly number[]) => xs.map((x) => x.toFixed(1)).join(', ');
const yesNo = (b: boolean | null) => (b === null ? '–' : b ? 'yes' : '**no**');

function render(results: readonly CaseResult[], jobs: number, loadStart: string, loadEnd: string): string {
  const m = readMachineFacts();
  const out: string[] = [];
  out.push(
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${m.cpus} CPUs (${m.cpu_model}), node ${m.node}, commit ${m.git.commit ?? '?'}${m.git.dirty ? ' (dirty tree)' : ''};` +
      ` load average (1/5/15 min) ${loadStart} at the start, ${loadEnd} at the end; --jobs ${jobs} for both commands.`,
  );
  out.push('');
  out.push('| case | runs: boundary / grid | ratio | rounds | wall, boundary (s) | wall, grid (s) | monotone seeds consistent | same brackets every repeat |');
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    out.push(
      `| ${r.c.name} | ${r.cmp.runsUsed} / ${r.cmp.gridRuns} | ${r.cmp.ratio.toFixed(2)} | ${r.cmp.rounds} | ${seconds(r.boundaryWall)} | ${seconds(r.gridWall)} | ${r.cmp.consistentSeeds} of ${r.cmp.judgedSeeds} | ${r.repeatsAgree ? 'yes' : '**no**'} |`,
    );
  }
  out.push('');
  out.push(
    '| case | seed | boundary bracket (stable, unstable] | grid flip (last stable, first unstable] | grid monotone | consistent | at a grid flip | boundary probes vs grid |',
  );
  out.push('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    for (const s of r.cmp.seeds) {
      const why = [contradictionText(s), ...s.sameValueMismatches.map((x) => `same value ${shortValue(x.value)}: ${x.boundary} vs ${x.grid}`)]
        .filter((t) => t !== '')
        .join('; ');
      const failed = s.gridFailed.length > 0 ? ` (${s.gridFailed.length} failed runs left out)` : '';
      out.push(
        `| ${r.c.name} | ${s.seed} | ${bracketText(s)} | ${gridFlipText(s)}${failed} | ${s.gridMonotone ? 'yes' : 'no'} | ${yesNo(s.consistent)} | ${s.atGridFlip ? 'yes' : 'no'} | ${why || 'in order'} |`,
      );
    }
  }
  out.push('');
  out.push('Commands (each case, each repeat: boundary, then grid):');
  out.push('');
  out.push('```');
  for (const r of results) {
    out.push(shellLine(['boundary', ...r.c.boundary, ...r.c.common, '--jobs', String(jobs), '--out', 'DIR']));
    out.push(shellLine(['sweep', ...r.c.grid, ...r.c.common, '--jobs', String(jobs), '--out', 'DIR']));
  }
  out.push('```');
  out.push('');
  out.push(
    `Wall time: spawn → exit of each command, one value per repeat; boundary.json's own wall_time_s: ${results.map((r) => `${r.c.name} ${seconds(r.boundaryInRun)}`).join('; ')}.`,
  );
  return out.join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mo-train-bench-boundary-'));
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(code);
    });
  }
  try {
    const loadStart = loadText();
    const results: CaseResult[] = [];
    for (const c of CASES) results.push(await runCase(tmp, c, opts.repeats, opts.jobs));
    process.stdout.write(`${render(results, opts.jobs, loadStart, loadText())}\n`);
    return 0;
  } finally {
    cleanup();
  }
}

process.exitCode = await main(process.argv.slice(2));
