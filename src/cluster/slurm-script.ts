/**
 * The Slurm job array that executes a plan (`mo-train export slurm`): one array task per run,
 * `mo-train work DIR --index $((SLURM_ARRAY_TASK_ID + offset))`, written the way an expert would —
 * `%P` tasks at a time, per-task output and error in the results directory, `--requeue` so a
 * preempted task comes back, and a comment on what to edit for the cluster. A plan larger than
 * Slurm's MaxArraySize is split into several arrays, each with its index offset. Pure.
 */

export interface SlurmExportSettings {
  /** The plan's directory, absolute: every node must see it at this path (a shared filesystem). */
  readonly dir: string;
  /** The sweep's name, for the job name. */
  readonly name: string;
  readonly runs: number;
  /** Tasks at a time (`%P`); null: as many as Slurm allows. */
  readonly parallel: number | null;
  /** Slurm's MaxArraySize: array indices go up to this minus one. */
  readonly maxArraySize: number;
  /** More `#SBATCH` lines, e.g. `--partition=gpu`, as given. */
  readonly sbatchArgs: readonly string[];
  /** How to start mo-train on a node, as shell words (absolute paths of node and mo-train here). */
  readonly moTrain: readonly string[];
}

export interface SlurmScript {
  /** File name inside DIR/slurm/. */
  readonly file: string;
  readonly text: string;
  /** The plan indices it covers, first and last. */
  readonly first: number;
  readonly last: number;
}

/** Where the tasks' output goes, inside DIR/slurm/ (created by the export: Slurm does not create it). */
export const SLURM_LOG_DIR = 'logs';

export function renderSlurmScripts(s: SlurmExportSettings): SlurmScript[] {
  const parts: SlurmScript[] = [];
  const split = s.runs > s.maxArraySize;
  for (let first = 0; first < s.runs; first += s.maxArraySize) {
    const last = Math.min(s.runs, first + s.maxArraySize) - 1;
    const file = split ? `array-${parts.length}.sbatch` : 'array.sbatch';
    parts.push({ file, first, last, text: renderOne(s, first, last, file, split) });
  }
  return parts;
}

function renderOne(s: SlurmExportSettings, first: number, last: number, file: string, split: boolean): string {
  const count = last - first + 1;
  const throttle = s.parallel !== null ? `%${s.parallel}` : '';
  const logs = `${s.dir}/slurm/${SLURM_LOG_DIR}`;
  const index = first === 0 ? '"$SLURM_ARRAY_TASK_ID"' : `"$((SLURM_ARRAY_TASK_ID + ${first}))"`;
  const lines = [
    '#!/bin/bash',
    `# Runs ${split ? `runs ${first}–${last} of ` : ''}the mo-train plan in ${s.dir} as a Slurm job array (written by mo-train export slurm).`,
    `#   submit: sbatch ${s.dir}/slurm/${file}${split ? '   (or every part at once: sh ' + `${s.dir}/slurm/submit.sh)` : ''}`,
    `#   watch:  mo-train status ${s.dir}      results: mo-train summarize ${s.dir}`,
    '# Each task runs one run of the plan (a finished one is skipped, one another task is doing is left to it),',
    '# so resubmitting this script after a failure, a scancel or a time limit does only what is left.',
    '#',
    '# Edit for your cluster: uncomment and set the partition, the time limit per run, the account,',
    '# the memory and the CPUs (or GPUs) one run needs. The results directory must be on a',
    '# filesystem every node sees, at the same path.',
    `#SBATCH --job-name=${jobName(s.name)}`,
    `#SBATCH --array=0-${count - 1}${throttle}`,
    `#SBATCH --output=${logs}/%A_%a.out`,
    `#SBATCH --error=${logs}/%A_%a.err`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    '##SBATCH --partition=YOUR_PARTITION',
    '##SBATCH --time=01:00:00',
    '##SBATCH --account=YOUR_ACCOUNT',
    '##SBATCH --mem=2G',
    '##SBATCH --gres=gpu:1',
    ...s.sbatchArgs.map((a) => `#SBATCH ${a}`),
    '',
    'set -euo pipefail',
    `exec ${s.moTrain.map(quote).join(' ')} work ${quote(s.dir)} --index ${index}`,
    '',
  ];
  return lines.join('\n');
}

/** A script that submits every part of a split plan. */
export function renderSubmitScript(dir: string, scripts: readonly SlurmScript[]): string {
  return [
    '#!/bin/sh',
    `# Submits every array of the mo-train plan in ${dir} (written by mo-train export slurm).`,
    'set -e',
    ...scripts.map((p) => `sbatch ${quote(`${dir}/slurm/${p.file}`)}`),
    '',
  ].join('\n');
}

/** Slurm accepts most characters in a job name; kept to what reads well in squeue. */
function jobName(name: string): string {
  return `mo-train-${name}`.replace(/[^A-Za-z0-9._+-]/g, '-').slice(0, 64);
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
