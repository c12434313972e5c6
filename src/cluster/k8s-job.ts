/**
 * The Kubernetes Indexed Job that executes a plan (`mo-train export k8s`): `completions` = the
 * number of runs, each pod running `mo-train work DIR` with its $JOB_COMPLETION_INDEX, the results
 * directory's PersistentVolumeClaim mounted at the plan's path; a failed run's index is retried
 * (`backoffLimitPerIndex`), a pod lost to preemption or a node drain is not counted as a failure
 * (`podFailurePolicy` ignores DisruptionTarget), and a usage error (exit 2: the plan does not fit
 * the image) fails its index at once. Pure: returns the manifest as an object (the caller writes YAML).
 */

export interface K8sExportSettings {
  /** The plan's directory, absolute: the claim is mounted here in every pod. */
  readonly dir: string;
  readonly name: string;
  readonly runs: number;
  readonly image: string;
  /** The PersistentVolumeClaim holding the results directory at its root. */
  readonly claim: string;
  /** Pods at a time; null: as many as runs. */
  readonly parallel: number | null;
  /** Retries of a failed run's index. */
  readonly retries: number;
  /** How to start mo-train in the image, as argv (default `mo-train`). */
  readonly moTrain: readonly string[];
}

/** The container's name: the pod failure policy's rules name it. */
export const K8S_CONTAINER = 'mo-train';

export function renderK8sJob(s: K8sExportSettings): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(s.name), labels: { 'app.kubernetes.io/name': 'mo-train' } },
    spec: {
      completionMode: 'Indexed',
      completions: s.runs,
      parallelism: Math.min(s.parallel ?? s.runs, s.runs),
      backoffLimitPerIndex: s.retries,
      podFailurePolicy: {
        rules: [
          // Preemption, eviction, a drained node: not the run's fault, so not one of its retries.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // mo-train's usage error (exit 2): retrying cannot help.
          { action: 'FailIndex', onExitCodes: { containerName: K8S_CONTAINER, operator: 'In', values: [2] } },
        ],
      },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'mo-train' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: K8S_CONTAINER,
              image: s.image,
              // The index comes from $JOB_COMPLETION_INDEX, which the Job sets in every pod.
              command: [...s.moTrain, 'work', s.dir],
              volumeMounts: [{ name: 'results', mountPath: s.dir }],
            },
          ],
          volumes: [{ name: 'results', persistentVolumeClaim: { claimName: s.claim } }],
        },
      },
    },
  };
}

/** A DNS-1123 label: lower case letters, digits and `-`, at most 63 characters, starting and ending alphanumeric. */
function jobName(name: string): string {
  const label = `mo-train-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label;
}
