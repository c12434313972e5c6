/**
 * The command line: declares commands and flags, lazily imports the command that runs, maps
 * errors to exit codes. The only place that sets the process exit code.
 *
 * Exit codes: 0 every run finished (a diverged run is a finished result), 1 some run failed (or
 * diverged, with --strict), 2 bad usage, 130/143 interrupted.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { UserError } from '../errors.js';
import { readPackageVersion } from '../io/package-version.js';
import { SETTINGS, renderChoices, renderHelpDefault } from '../spec/settings.js';
import { DEFAULT_PREFLIGHT_TIMEOUT_S, MAX_JOBS_PER_CORE, type SpecOptions, type SweepOptions } from './spec-options.js';
import { DEFAULT_REL_TOL, DEFAULT_UNSTABLE, type BoundaryOptions } from './boundary-options.js';

// A repeatable flag without a default: commander would print an empty one as "(default: [])".
const collect = (value: string, previous: string[] = []) => [...previous, value];

function addSpecOptions(cmd: Command, command: 'run' | 'sweep' | 'boundary'): Command {
  // A boundary search reads a sweep's spec (seeds as a list), but α takes one value unless searched.
  const mode = command === 'run' ? 'run' : 'sweep';
  // Defaults and names come from the settings registry: help that repeats them by hand goes stale.
  const dflt = (key: string) => renderHelpDefault(key, mode);
  cmd
    .option('--spec <file>', 'settings from a YAML or JSON file (flags given here win)')
    .option('--experiment <name>', `built-in declarative experiment ${dflt('experiment')}`)
    .option('--module <path>', 'your experiment: a .ts/.js module exporting model, data, loss1, loss2')
    .option(
      '--command <cmd>',
      'your own training script, once per grid point, e.g. \'python3 train.py --alpha {alpha} --seed {seed}\'; it prints {"loss1": …, "loss2": …} lines',
    )
    .option(
      '--alpha <values>',
      command === 'sweep'
        ? `weights α of loss2: 0,0.01,0.1,1 | 0-4 | logspace(-4,0,9) ${dflt('alpha')}`
        : command === 'boundary'
          ? `weight α of loss2, when --param is not alpha ${renderHelpDefault('alpha', 'run')}`
          : `weight α of loss2 ${dflt('alpha')}`,
    );
  if (mode === 'sweep') cmd.option('--seeds <values>', `seeds: 0-4 | 0,1,2 ${dflt('seeds')}`);
  else cmd.option('--seed <n>', `seed of the initial weights and random data ${dflt('seeds')}`);
  cmd
    .option('--steps <n>', `training steps per run ${dflt('steps')}`)
    .option('--optimizer <name>', `${renderChoices('optimizer.name')} ${dflt('optimizer')}, with PyTorch's defaults`)
    .option('--lr <x>', `learning rate ${dflt('optimizer.lr')}`)
    .option('--log-every <k>', `write every k-th step to steps.csv ${dflt('log_every')}`)
    .option('--engine <name>', `${renderChoices('engine')} ${dflt('engine')}: ${SETTINGS.engine!.reason}`)
    .option('--backend <name>', `tfjs backend: ${renderChoices('backend')} ${dflt('backend')}`)
    .option('--init <file>', 'initial parameters from a PyTorch state_dict dumped to JSON')
    .option(
      '--combine <name>',
      `how the two gradients become one direction: ${renderChoices('combine.name')} ${dflt('combine')}; constraint needs --set combine.tau=… or combine.epsilon=…`,
    )
    .option('--set <key=values>', 'set or sweep any setting, e.g. optimizer.lr=1e-3,1e-2 (repeatable)', collect)
    .option('--name <name>', `name of the results directory ${dflt('name')}`)
    .option(
      '--out <dir>',
      command === 'sweep'
        ? 'results directory (default: results/<name>-<time>): a new or empty one, or one that holds this same sweep, which is resumed'
        : command === 'boundary'
          ? 'results directory (default: results/<name>-boundary-<time>): a new or empty one, or one that holds this same search, which is resumed'
          : 'results directory (default: results/run-<name>-<time>); must be new or empty',
    );
  // A boundary search's unstable runs are what it looks for, not a failure.
  return command === 'boundary' ? cmd : cmd.option('--strict', 'exit 1 when a run diverged');
}

/** The start check of a command sweep (`sweep`, `plan`): how long it waits, and how to skip it. */
function addPreflightOptions(cmd: Command): Command {
  return cmd
    .option(
      '--preflight-timeout <seconds>',
      `with --command: before anything is written, the first grid point's command must print a step (or exit 0) within this time (default: ${DEFAULT_PREFLIGHT_TIMEOUT_S})`,
    )
    .option('--no-preflight', 'with --command: skip that check (e.g. a script that takes minutes to print its first step)');
}

export function buildProgram(argv: readonly string[]): Command {
  const program = new Command('mo-train')
    .description('Train networks that minimize loss1 while maximizing loss2 (loss1 − α·loss2); sweep α and see where training is stable.')
    .version(readPackageVersion())
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      // One line per error: commander puts its suggestion on a line of its own.
      outputError: (str, write) => write(`mo-train: ${str.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\)/, ' (did you mean $1)')}`),
    });

  addSpecOptions(program.command('run').description('train one run and print its stability verdict'), 'run').action(async (opts: SpecOptions) => {
    const { runCommand } = await import('./commands/run.js');
    process.exitCode = await runCommand(opts, argv);
  });

  addPreflightOptions(addSpecOptions(program.command('sweep').description('train one run per α × seed × --set value, in parallel, then summarize'), 'sweep'))
    .addOption(
      new Option(
        '--jobs <n>',
        `worker processes, at most ${MAX_JOBS_PER_CORE} × the cores (default: ${availableParallelism()}, the number of cores; never more than the runs to do)`,
      ),
    )
    .option('--resume <dir>', 'continue the sweep in <dir>: finished runs are kept, the others done again (alone: with its own settings)')
    .option('--run-timeout <seconds>', 'a run still going after this long is killed and recorded as failed')
    .option('--worker-memory <MB>', "each worker's JavaScript heap limit; a run that needs more fails alone")
    .option(
      '--queue <url>',
      'instead of running here: queue the runs on the Redis at <url> (redis://HOST:PORT) for mo-train worker on any node, and follow them',
    )
    .action(async (opts: SweepOptions) => {
      if (opts.queue !== undefined) {
        const { queueSweepCommand } = await import('./commands/sweep-queue.js');
        process.exitCode = await queueSweepCommand(opts, argv);
        return;
      }
      const { sweepCommand } = await import('./commands/sweep.js');
      process.exitCode = await sweepCommand(opts, argv);
    });

  addPreflightOptions(
    addSpecOptions(
      program
        .command('boundary')
        .description('find, per seed, the value of a setting (α, a learning rate, …) where training turns unstable: bracket and narrow it with ordinary runs'),
      'boundary',
    ),
  )
    .option('--param <key>', 'the setting searched: alpha, or a numeric setting such as optimizer.lr')
    .option('--range <lo,hi>', 'where to search, e.g. 1e-4,10 (a negative LO as --range=-1,1)')
    .option('--scale <scale>', 'log | linear (default: log when LO > 0)')
    .option('--unstable <verdicts>', `the verdicts that count as unstable (default: ${DEFAULT_UNSTABLE.join(',')})`)
    .option('--rel-tol <x>', `narrow each bracket until HI/LO ≤ 1 + x (log) or HI − LO ≤ x × the range (linear) (default: ${DEFAULT_REL_TOL})`)
    .option('--across <key=values>', 'one search per value of another setting, e.g. optimizer.lr=1e-4,1e-3,1e-2: the boundary as a curve')
    .addOption(
      new Option(
        '--jobs <n>',
        `worker processes, at most ${MAX_JOBS_PER_CORE} × the cores (default: ${availableParallelism()}); each round probes about this many points at once`,
      ),
    )
    .option('--run-timeout <seconds>', 'a probe still going after this long is killed and recorded as failed')
    // Not a boundary's: declared (hidden) so that a user trying them is told what to do instead.
    .addOption(new Option('--resume <dir>').hideHelp())
    .addOption(new Option('--queue <url>').hideHelp())
    .option('--worker-memory <MB>', "each worker's JavaScript heap limit; a run that needs more fails alone")
    .action(async (opts: BoundaryOptions) => {
      const { boundaryCommand } = await import('./commands/boundary.js');
      process.exitCode = await boundaryCommand(opts, argv);
    });

  addPreflightOptions(
    addSpecOptions(
      program.command('plan').description('check a sweep and freeze its runs into a results directory, for mo-train work, a cluster or a queue; runs nothing'),
      'sweep',
    ),
  ).action(async (opts: SweepOptions) => {
    const { planCommand } = await import('./commands/plan.js');
    process.exitCode = await planCommand(opts, argv);
  });

  program
    .command('work')
    .description(
      'run run #I of the plan in <dir> (a Slurm array task, a Kubernetes pod, a shell loop); a finished run is skipped, one another task is doing left to it',
    )
    .argument('<dir>', 'a results directory made by mo-train plan')
    .option('--index <i>', 'the run, 0-based in plan order (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)')
    .option('--shard <k/n>', 'instead: every run whose index is k modulo n, one after another')
    .option('--stale-after <seconds>', 'a claimed run without a heartbeat for this long is taken over (default: 120)')
    .action(async (dir: string, opts: { index?: string; shard?: string; staleAfter?: string }) => {
      const { workCommand } = await import('./commands/work.js');
      process.exitCode = await workCommand(dir, opts);
    });

  program
    .command('worker')
    .description('take runs from the queue that sweep --queue fills, until stopped (SIGTERM/Ctrl-C: running runs go back to the queue)')
    .option('--queue <url>', 'the Redis holding the queue: redis://HOST:PORT')
    .option('--jobs <n>', 'runs at a time, each in a process of its own (default: 1)')
    .option('--stale-after <seconds>', 'a run claimed by another process without a heartbeat for this long is taken over (default: 120)')
    .action(async (opts: { queue?: string; jobs?: string; staleAfter?: string }) => {
      const { workerCommand } = await import('./commands/worker.js');
      process.exitCode = await workerCommand(opts);
    });

  program
    .command('export')
    .description('write the files a cluster needs to execute the plan in <dir>: a Slurm job array (slurm) or a Kubernetes Indexed Job (k8s)')
    .argument('<engine>', 'slurm | k8s')
    .argument('<dir>', 'a results directory made by mo-train plan')
    .option('--parallel <p>', 'runs at a time (slurm: the array throttle %P; k8s: parallelism)')
    .option('--sbatch-arg <arg>', 'slurm: one more #SBATCH line, e.g. --sbatch-arg=--partition=gpu (repeatable)', collect)
    .option('--max-array-size <n>', `slurm: the cluster's MaxArraySize; a larger plan is split into several arrays (default: 1001)`)
    .option('--image <image>', 'k8s: the container image (with mo-train and your experiment files)')
    .option('--claim <pvc>', 'k8s: the PersistentVolumeClaim holding the results directory, mounted at its path')
    .option('--retries <n>', "k8s: retries of a failed run's index (backoffLimitPerIndex; default: 2)")
    .option('--mo-train <cmd>', 'how to start mo-train on the nodes (default: this node and mo-train, by absolute path; k8s: mo-train)')
    .action(async (engine: string, dir: string, opts: Record<string, unknown>) => {
      const { exportCommand } = await import('./commands/export.js');
      process.exitCode = await exportCommand(engine, dir, opts);
    });

  program
    .command('status')
    .description('how far the plan in <dir> has got: finished, failed, running, stale and pending runs; exit 0 when every run finished')
    .argument('<dir>', 'a results directory made by mo-train plan (or sweep)')
    .option('--json', 'print JSON for machines')
    .option('--stale-after <seconds>', 'a claim without a heartbeat for this long counts as stale (default: 120)')
    .action(async (dir: string, opts: { json?: boolean; staleAfter?: string }) => {
      const { statusCommand } = await import('./commands/status.js');
      process.exitCode = await statusCommand(dir, opts);
    });

  program
    .command('summarize')
    .description('stability verdicts and final losses per run and per α of a results directory')
    .argument('<dir>', 'a results directory written by run or sweep')
    .option('--json', 'print JSON for machines instead of tables')
    .option('--plot', 'also draw the loss curves as text charts: loss1 and loss2 over steps, one chart each per α')
    .option(
      '--runs <id>',
      "with --plot: chart only this run, e.g. 'alpha=0.1,seed=2' (repeatable, or several separated by ;)",
      (id: string, ids?: string[]) => [...(ids ?? []), id],
    )
    .option('--alpha <values>', 'with --plot: chart only the runs with these α: 0,0.1 | logspace(-4,0,9)')
    .action(async (dir: string, opts: { json?: boolean; plot?: boolean; runs?: string[]; alpha?: string }) => {
      const { summarizeCommand } = await import('./commands/summarize.js');
      process.exitCode = await summarizeCommand(dir, opts);
    });

  program
    .command('report')
    .description('write one self-contained report.html of a results directory: reading, interactive charts, stability tables, settings')
    .argument('<dir>', 'a results directory written by run or sweep')
    .option('--out <file>', 'where to write it (default: <dir>/report.html)')
    .action(async (dir: string, opts: { out?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      process.exitCode = await reportCommand(dir, opts);
    });

  program
    .command('plot')
    .description('draw the charts of a results directory as SVG and PNG: loss curves, final losses and verdicts against α, the loss1/loss2 trade-off')
    .argument('<dir>', 'a results directory written by run or sweep')
    .option('--out <dir>', 'where to write the charts (default: <dir>/plots)')
    .option('--runs <id>', "only this run, e.g. 'alpha=0.1,seed=2' (repeatable, or several separated by ;)", collect)
    .option('--alpha <values>', 'only the runs with these α: 0,0.1 | logspace(-4,0,9)')
    .option('--log-y', 'logarithmic loss axes (symlog where a loss reaches 0 or below); default: for a loss spanning more than 3 decades')
    .option('--linear-y', 'linear loss axes, even for a loss spanning decades')
    .option('--format <list>', 'svg | png | svg,png (default svg,png)')
    .action(async (dir: string, opts: { out?: string; runs?: string[]; alpha?: string; logY?: boolean; linearY?: boolean; format?: string }) => {
      const { plotCommand } = await import('./commands/plot.js');
      process.exitCode = await plotCommand(dir, opts);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  // `mo-train summarize DIR | head`: a reader that went away is not an error. A closed stderr
  // (the progress display) must not bring a sweep down either.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.stderr.on('error', () => {});
  try {
    const program = buildProgram(argv);
    // Nothing asked: the help, as --help gives it (stdout, exit 0); commander alone would print it
    // on stderr as an error, yet exit 0.
    if (argv.length === 0) {
      process.stdout.write(program.helpInformation());
      return;
    }
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are exits too; commander has already printed them (and any usage error).
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`mo-train: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`mo-train: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
