/**
 * A run's progress, passed on to the caller (a progress bar, the sweep's coordinator over IPC) at
 * most every so often.
 */
import { performance } from 'node:perf_hooks';
import type { ProgressListener } from '../train/train-loop.js';

/** Passes progress on at most every `intervalMs` (and at the end). */
export class ProgressThrottle implements ProgressListener {
  private last = 0;
  constructor(
    private readonly listener: ((stepsDone: number) => void) | undefined,
    private readonly steps: number,
    private readonly intervalMs: number,
  ) {}

  report(stepsDone: number): void {
    if (!this.listener) return;
    const now = performance.now();
    if (now - this.last >= this.intervalMs || stepsDone === this.steps) {
      this.last = now;
      this.listener(stepsDone);
    }
  }
}
