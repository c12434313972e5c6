/**
 * `mo-train export slurm DIR` and `mo-train export k8s DIR`: the files a cluster needs to execute
 * the plan in DIR — a Slurm job array script, a Kubernetes Indexed Job — written into DIR/slurm/
 * and DIR/k8s/. They only call `mo-train work`; nothing is submitted.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { renderK8sJob } from '../../cluster/k8s-job.js';
import { renderSlurmScripts, renderSubmitScript, SLURM_LOG_DIR } from '../../cluster/slurm-script.js';
import { UserError } from '../../errors.js';
import { parseCount } from '../parse-count.js';
import { splitCommand } from '../../spec/command-template.js';
import { loadPlanRuns } from '../../runner/plan-runs.js';
import { readSweepManifest } from '../../io/sweep-files.js';

export interface ExportOptions {
  parallel?: string;
  sbatchArg?: string[];
  maxArraySize?: string;
  image?: string;
  claim?: string;
  retries?: string;
  moTrain?: string;
}

/** Slurm's default MaxArraySize: indices 0 to 1000. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

export async function exportCommand(engine: string, dir: string, opts: ExportOptions): Promise<number> {
  if (engine !== 'slurm' && engine !== 'k8s') throw new UserError(`export: "${engine}" is not an engine it writes for; allowed: slurm, k8s`);
  const outDir = resolve(dir);
  // The plan must still make its runs here: exporting a plan that `work` would refuse helps nobody.
  const runs = loadPlanRuns(outDir, dir).length;
  const name = readSweepManifest(outDir, dir)!.name;
  const parallel = opts.parallel === undefined ? null : parseCount('--parallel', opts.parallel, 1, 1_000_000)!;
  const cwd = process.cwd();
  if (engine === 'slurm') {
    if (opts.image !== undefined || opts.claim !== undefined || opts.retries !== undefined) {
      throw new UserError(
        '--image, --claim and --retries are for export k8s; allowed with export slurm: --parallel, --sbatch-arg, --max-array-size, --mo-train',
      );
    }
    const scripts = renderSlurmScripts({
      dir: outDir,
      name,
      runs,
      parallel,
      maxArraySize: opts.maxArraySize === undefined ? DEFAULT_MAX_ARRAY_SIZE : parseCount('--max-array-size', opts.maxArraySize, 1, 4_000_000)!,
      sbatchArgs: (opts.sbatchArg ?? []).map(checkSbatchArg),
      moTrain: readMoTrain(opts.moTrain, [process.execPath, fileURLToPath(new URL('../../../bin/mo-train.js', import.meta.url))]),
    });
    const slurmDir = join(outDir, 'slurm');
    mkdirSync(join(slurmDir, SLURM_LOG_DIR), { recursive: true });
    for (const s of scripts) writeFileSync(join(slurmDir, s.file), s.text, { mode: 0o755 });
    const written = scripts.map((s) => join(slurmDir, s.file));
    if (scripts.length > 1) {
      const submit = join(slurmDir, 'submit.sh');
      writeFileSync(submit, renderSubmitScript(outDir, scripts));
      chmodSync(submit, 0o755);
      written.push(submit);
    }
    process.stderr.write(
      `mo-train export: ${runs} run${runs === 1 ? '' : 's'} as ${scripts.length === 1 ? 'one Slurm job array' : `${scripts.length} Slurm job arrays (at most ${scripts[0]!.last + 1} tasks each)`}\n` +
        `submit with: ${scripts.length === 1 ? `sbatch ${relative(cwd, written[0]!) || written[0]}` : `sh ${relative(cwd, written.at(-1)!)}`}   (edit the partition, time and account in it first)\n`,
    );
    for (const w of written) process.stdout.write(`${w}\n`);
    return 0;
  }
  if (opts.image === undefined || opts.claim === undefined) {
    throw new UserError(
      'export k8s: --image and --claim are required; allowed: --image IMAGE (with mo-train and your experiment files) --claim PVC (the claim holding the results directory)',
    );
  }
  if (opts.sbatchArg !== undefined || opts.maxArraySize !== undefined) {
    throw new UserError('--sbatch-arg and --max-array-size are for export slurm; allowed with export k8s: --image, --claim, --parallel, --retries, --mo-train');
  }
  const job = renderK8sJob({
    dir: outDir,
    name,
    runs,
    image: opts.image,
    claim: opts.claim,
    parallel,
    retries: opts.retries === undefined ? 2 : parseCount('--retries', opts.retries, 0, 1000)!,
    moTrain: readMoTrain(opts.moTrain, ['mo-train']),
  });
  const k8sDir = join(outDir, 'k8s');
  mkdirSync(k8sDir, { recursive: true });
  const file = join(k8sDir, 'job.yaml');
  writeFileSync(
    file,
    `# The mo-train plan in ${outDir} as a Kubernetes Indexed Job (written by mo-train export k8s).\n` +
      `# Apply: kubectl apply -f ${file}    watch: mo-train status ${outDir} (where the claim is mounted)\n` +
      `# The image must run mo-train and hold the plan's module, script or spec files at the paths sweep.json names.\n` +
      stringify(job),
  );
  process.stderr.write(`mo-train export: ${runs} run${runs === 1 ? '' : 's'} as one Indexed Job\napply with: kubectl apply -f ${relative(cwd, file)}\n`);
  process.stdout.write(`${file}\n`);
  return 0;
}

function readMoTrain(text: string | undefined, fallback: readonly string[]): readonly string[] {
  if (text === undefined) return fallback;
  const split = splitCommand(text);
  if (!split.ok) throw new UserError(`--mo-train: ${split.error}`);
  return split.argv;
}

/** One `#SBATCH` line's argument: an option, on one line. */
function checkSbatchArg(arg: string): string {
  if (!arg.startsWith('-') || /[\r\n]/.test(arg)) {
    throw new UserError(`--sbatch-arg: "${arg}" is not an sbatch option; allowed: one option per --sbatch-arg, e.g. --sbatch-arg=--partition=gpu`);
  }
  return arg;
}
