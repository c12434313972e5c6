/** The facts a timing means nothing without: which code, which machine, how busy it was. */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, platform, release, totalmem, type as osType, arch } from 'node:os';
import { REPO_DIR } from './dist-import.js';

export interface MachineFacts {
  readonly node: string;
  readonly v8: string;
  readonly os: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpu_model: string;
  readonly total_mem_gb: number;
  /** 1/5/15-minute load averages when the bench started: other tenants' work shows here. */
  readonly loadavg_start: readonly number[];
  readonly git: { readonly commit: string | null; readonly dirty: boolean | null };
}

function git(args: string[]): string | null {
  const r = spawnSync('git', args, { cwd: REPO_DIR, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function readMachineFacts(): MachineFacts {
  const status = git(['status', '--porcelain']);
  const list = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${osType()} ${release()} (${platform()})`,
    arch: arch(),
    cpus: list.length,
    cpu_model: list[0]?.model.trim() ?? 'unknown',
    total_mem_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100),
    git: { commit: git(['rev-parse', '--short', 'HEAD']), dirty: status === null ? null : status !== '' },
  };
}
