/**
 * The files `mo-train export` writes for a cluster: the Slurm array script (split past
 * MaxArraySize, each part with its index offset) and the Kubernetes Indexed Job, validated against
 * the Kubernetes API's own schema (kubernetes-models).
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { renderK8sJob } from '../../src/cluster/k8s-job.js';
import { renderSlurmScripts, renderSubmitScript } from '../../src/cluster/slurm-script.js';

const slurm = {
  dir: '/shared/results/sweep',
  name: 'seed',
  runs: 12,
  parallel: 4,
  maxArraySize: 1001,
  sbatchArgs: [],
  moTrain: ['/usr/bin/node', '/opt/mo-train/bin/mo-train.js'],
};

describe('the Slurm job array', () => {
  it('one task per run, P at a time, per-task logs in the results directory, requeued, mo-train work with the task index', () => {
    const [script, ...more] = renderSlurmScripts(slurm);
    expect(more).toEqual([]);
    expect(script!.file).toBe('array.sbatch');
    const lines = script!.text.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    expect(lines).toContain('#SBATCH --array=0-11%4');
    expect(lines).toContain('#SBATCH --output=/shared/results/sweep/slurm/logs/%A_%a.out');
    expect(lines).toContain('#SBATCH --error=/shared/results/sweep/slurm/logs/%A_%a.err');
    expect(lines).toContain('#SBATCH --requeue');
    expect(lines).toContain('#SBATCH --job-name=mo-train-seed');
    expect(lines.at(-2)).toBe('exec /usr/bin/node /opt/mo-train/bin/mo-train.js work /shared/results/sweep --index "$SLURM_ARRAY_TASK_ID"');
    expect(script!.text).toMatch(/# Edit for your cluster: .*partition.*time limit.*account/s);
    // Every #SBATCH line comes before the first command: sbatch stops reading them there.
    const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
    expect(lines.slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
  });

  it('without --parallel, no throttle; extra #SBATCH lines as given; paths with spaces quoted', () => {
    const [script] = renderSlurmScripts({ ...slurm, parallel: null, dir: '/shared/my results', sbatchArgs: ['--partition=gpu', '--time=02:00:00'] });
    expect(script!.text).toContain('#SBATCH --array=0-11\n');
    expect(script!.text).toContain('#SBATCH --partition=gpu\n#SBATCH --time=02:00:00\n');
    expect(script!.text).toContain("work '/shared/my results' --index");
  });

  it('a plan past MaxArraySize is split: each array from 0, its offset added to the index, a submit script for all', () => {
    const scripts = renderSlurmScripts({ ...slurm, runs: 2500, maxArraySize: 1001 });
    expect(scripts.map((s) => [s.file, s.first, s.last])).toEqual([
      ['array-0.sbatch', 0, 1000],
      ['array-1.sbatch', 1001, 2001],
      ['array-2.sbatch', 2002, 2499],
    ]);
    expect(scripts[0]!.text).toContain('#SBATCH --array=0-1000%4\n');
    expect(scripts[2]!.text).toContain('#SBATCH --array=0-497%4\n');
    expect(scripts[0]!.text).toContain('--index "$SLURM_ARRAY_TASK_ID"');
    expect(scripts[1]!.text).toContain('--index "$((SLURM_ARRAY_TASK_ID + 1001))"');
    expect(scripts[2]!.text).toContain('--index "$((SLURM_ARRAY_TASK_ID + 2002))"');
    expect(
      renderSubmitScript('/shared/r', scripts)
        .split('\n')
        .filter((l) => l.startsWith('sbatch')),
    ).toEqual(['sbatch /shared/r/slurm/array-0.sbatch', 'sbatch /shared/r/slurm/array-1.sbatch', 'sbatch /shared/r/slurm/array-2.sbatch']);
  });
});

describe('the Kubernetes Indexed Job', () => {
  const settings = {
    dir: '/results/sweep',
    name: 'Seed_Sweep.v2',
    runs: 12,
    image: 'ghcr.io/me/train:1',
    claim: 'results',
    parallel: 3,
    retries: 2,
    moTrain: ['mo-train'],
  };

  it('is a valid batch/v1 Job by the Kubernetes schema', () => {
    const job = renderK8sJob(settings);
    expect(() => new Job(job as ConstructorParameters<typeof Job>[0]).validate()).not.toThrow();
  });

  it('an invalid change is caught by that schema (the check can fail)', () => {
    const job = renderK8sJob(settings) as { spec: Record<string, unknown> };
    job.spec['completionMode'] = 7;
    expect(() => new Job(job as unknown as ConstructorParameters<typeof Job>[0]).validate()).toThrow();
  });

  it('Indexed, one completion per run, retries per index, disruptions ignored, the claim mounted at the results path', () => {
    const job = renderK8sJob(settings) as any;
    expect(job.metadata.name).toBe('mo-train-seed-sweep-v2');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 12, parallelism: 3, backoffLimitPerIndex: 2 });
    expect(job.spec.podFailurePolicy.rules[0]).toEqual({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] });
    expect(job.spec.podFailurePolicy.rules[1]).toMatchObject({ action: 'FailIndex', onExitCodes: { operator: 'In', values: [2] } });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].command).toEqual(['mo-train', 'work', '/results/sweep']);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'results', mountPath: '/results/sweep' }]);
    expect(pod.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'results' } }]);
  });

  it('never more pods at a time than runs', () => {
    expect((renderK8sJob({ ...settings, parallel: null }) as any).spec.parallelism).toBe(12);
    expect((renderK8sJob({ ...settings, parallel: 50 }) as any).spec.parallelism).toBe(12);
  });
});
