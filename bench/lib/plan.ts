/**
 * How much each measure runs. Sizes follow the brief: enough steps that startup is amortized and
 * enough repeats for a median on a noisy VM, while the whole bench stays within a few minutes.
 * `quick` is for working on the bench itself: its numbers are not comparable and say so.
 */
export interface BenchPlan {
  readonly quick: boolean;
  /** 1. in-process fused loop. */
  readonly fused: { readonly warmupSteps: number; readonly steps: number; readonly repeats: number };
  /** 2. `mo-train run`, fused, every step logged. */
  readonly cliFused: { readonly steps: number; readonly repeats: number };
  /** 3. in-process tfjs loop and `mo-train run --module experiments/seed.ts`. */
  readonly tfjs: { readonly warmupSteps: number; readonly steps: number; readonly repeats: number };
  readonly cliTfjs: { readonly steps: number; readonly logEvery: number; readonly repeats: number };
  /** 4. PyTorch: timed steps per run, repeats per thread setting, warm-up steps. */
  readonly torch: { readonly steps: number; readonly repeats: number; readonly warmupSteps: number };
  /** 5./6. The 12-run sweep; PyTorch runs the same grid once, back to back. */
  readonly sweep: { readonly alphas: readonly number[]; readonly seeds: readonly number[]; readonly steps: number; readonly repeats: number };
  /** 7. The large sweep. */
  readonly bigSweep: { readonly alpha: string; readonly seeds: string; readonly steps: number; readonly logEvery: number; readonly sampleMs: number };
  /** Measure 11: sweeps of `runs` and of 2 runs of 10 steps, `repeats` pairs. */
  readonly fixedCost: { readonly runs: number; readonly repeats: number };
  /**
   * 10. The batched PyTorch peer (bench/torch_batched.py): per size, R runs stacked, `steps` steps,
   * `repeats` fresh loops in one process; losses kept every `logEvery` steps, CSVs written after.
   */
  readonly torchBatched: {
    readonly sizes: readonly { readonly runs: number; readonly steps: number; readonly repeats: number }[];
    readonly logEvery: number;
    readonly alphas: readonly number[];
  };
  /** 8. `mo-train run --command` on a child printing protocol lines as fast as it can, vs the child alone; the in-process hot path. */
  readonly command: { readonly lines: number; readonly repeats: number; readonly hotPathRepeats: number };
  /** 9. experiments/seed_torch.py alone vs under `mo-train run --command`, as a user runs it (9a, the target) and buffered under mo-train too (9b). */
  readonly seedTorch: { readonly steps: number; readonly repeats: number; readonly bufferedRepeats: number };
}

export const FULL_PLAN: BenchPlan = {
  quick: false,
  // ~0.2–0.4 s per repeat at the ≤ 2 µs target; the warm-up gets TurboFan to the optimized loop.
  fused: { warmupSteps: 100_000, steps: 200_000, repeats: 7 },
  // 500k steps: node startup (~0.1 s) is < 5% of the run even at 2 µs/step.
  cliFused: { steps: 500_000, repeats: 3 },
  tfjs: { warmupSteps: 300, steps: 1_000, repeats: 5 },
  cliTfjs: { steps: 10_000, logEvery: 100, repeats: 3 },
  torch: { steps: 10_000, repeats: 3, warmupSteps: 500 },
  sweep: { alphas: [0, 0.01, 0.1, 1], seeds: [0, 1, 2], steps: 10_000, repeats: 5 },
  bigSweep: { alpha: 'linspace(0,1,100)', seeds: '0-9', steps: 10_000, logEvery: 10, sampleMs: 100 },
  fixedCost: { runs: 200, repeats: 3 },
  // The sizes: 1,000,000 lines (~0.35 s for the child alone), a 10,000-step seed_torch.py
  // (~4.5 s with Python's start and `import torch`); alone and under mo-train alternate. 5% of a
  // seed_torch.py run is ~0.2 s, less than this VM's noise between two runs: 5 pairs for the
  // target, 3 for the informative 9b.
  command: { lines: 1_000_000, repeats: 5, hotPathRepeats: 5 },
  seedTorch: { steps: 10_000, repeats: 5, bufferedRepeats: 3 },
  // ~28, ~1.2 and ~1.4 µs per run-step (the numbers): R=12 × 10k steps ≈ 3.4 s a loop,
  // R=1,000 × 10k steps ≈ 12 s (1,001 CSV rows a run, as measure 7's runs), R=10,000 × 1k steps
  // ≈ 14 s (+ ~3 s to build 10,000 models, + ~2–3 s of CSVs a repeat); each size under a minute
  // at the usual load of 2–4 (R=10,000 took 67 s at a load of 5).
  torchBatched: {
    sizes: [
      { runs: 12, steps: 10_000, repeats: 3 },
      { runs: 1_000, steps: 10_000, repeats: 3 },
      { runs: 10_000, steps: 1_000, repeats: 3 },
    ],
    logEvery: 10,
    alphas: [0, 0.01, 0.1, 1],
  },
};

export const QUICK_PLAN: BenchPlan = {
  quick: true,
  fused: { warmupSteps: 20_000, steps: 50_000, repeats: 3 },
  cliFused: { steps: 50_000, repeats: 1 },
  tfjs: { warmupSteps: 50, steps: 200, repeats: 3 },
  cliTfjs: { steps: 300, logEvery: 100, repeats: 1 },
  torch: { steps: 1_000, repeats: 2, warmupSteps: 100 },
  sweep: { alphas: [0, 0.01, 0.1, 1], seeds: [0, 1, 2], steps: 10_000, repeats: 3 },
  bigSweep: { alpha: 'linspace(0,1,10)', seeds: '0-9', steps: 10_000, logEvery: 10, sampleMs: 100 },
  fixedCost: { runs: 50, repeats: 1 },
  command: { lines: 100_000, repeats: 2, hotPathRepeats: 3 },
  seedTorch: { steps: 1_000, repeats: 1, bufferedRepeats: 1 },
  torchBatched: {
    sizes: [
      { runs: 12, steps: 1_000, repeats: 1 },
      { runs: 100, steps: 1_000, repeats: 1 },
      { runs: 1_000, steps: 100, repeats: 1 },
    ],
    logEvery: 10,
    alphas: [0, 0.01, 0.1, 1],
  },
};
