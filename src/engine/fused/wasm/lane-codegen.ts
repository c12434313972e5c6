/**
 * Two runs of one MLP shape advanced together, one per lane of WebAssembly's f64x2: a whole
 * training step of the `fixed` combiner with Adam — forward, both losses, the combined direction
 * ∇loss1 − α·∇loss2, the Adam update — generated as straight-line wasm for the shape (and loss
 * pair) at run time, like mlp-codegen.ts generates JS. The first increment of issue 15: it shows
 * that the lanes give the scalar engine's trajectories bit for bit, and what they cost per
 * run-step (bench/lanes-vs-scalar.ts).
 *
 * Bit-identical to the scalar path (FusedOracle.evaluateCombined with compiled kernels + Adam's
 * fast path in optimizers.ts; test/unit/fused-lanes.test.ts checks 2,000 and 45,000 steps): every value is
 * computed by the same float64 operations in the same order — sums start from the same value (the
 * bias, or 0) and add terms in the same index order, `a·b + c·d` stays two products and one sum
 * (wasm, like JS, never fuses a multiply-add), each f64x2 operation rounds each lane exactly as the
 * scalar operation does (IEEE 754, no flush-to-zero). Selections (relu, leaky_relu, the sign of l1)
 * are comparisons and v128.bitselect, giving the same value the JS conditional gives, -0 and NaN
 * included. What wasm cannot do bit-identically — Math.exp/Math.tanh (tanh, sigmoid, cross-entropy,
 * entropy) and `**` — is not generated: those shapes get null (the caller keeps the scalar path),
 * and Adam's bias corrections (`**`, one Math.sqrt) are computed per step in JS exactly as
 * optimizers.ts computes them and handed in through a small table.
 *
 * Memory, all float64, lanes interleaved ([x lane 0, x lane 1] per value, one v128 each):
 * per-lane constants (and the monitor's state), parameters, Adam's m and v, features and targets,
 * then a table of `maxSteps` entries (stepSize, √bc2 and "gradient sums wanted" in; loss1, loss2,
 * the parameter norm, computeGram's three sums and the divergence mask out). Activations, deltas, the
 * direction and the parameters of the step in progress live in wasm locals (registers and stack
 * slots for the compiler): they do not outlive a step, and locals leave TurboFan free to keep them
 * in registers where memory would need loads and stores it cannot remove.
 *
 * For the training loop (train/train-lanes.ts) each step also gives what train-loop.ts computes
 * around the engine: the parameter norm (every step, for the divergence check), the per-objective
 * gradient sums of computeGram (on the steps that ask, i.e. logged or measured ones; ∇loss1 and
 * ∇loss2 taken where FusedOracle.evaluateCombined takes them for `per`), and the divergence check
 * itself, so that a lane with stop_on_diverge stops at its diverging step inside the call: a
 * sticky per-lane mask, its m, v and parameters then kept by v128.bitselect (generated as a second
 * copy of the update, taken only while a lane is stopped).
 *
 * One call runs `count` steps (a loop inside wasm over the table): the JS → wasm transition and the
 * table fill are paid once per call, not per step. Measured on the seed model (bench/lanes-vs-scalar.ts,
 * 2-core dev VM, load 2.3): 0.33 µs per run-step at 256 steps per call, 0.42 at one step per call,
 * against 1.31 for the scalar path. About half of the kernel's time is Adam's √ and two ÷ per
 * parameter (the divider's throughput; the scalar step pays them too, for one run instead of two).
 * With the norm, the gradient sums and the divergence check (the second increment): 0.41 µs per
 * run-step over 100k steps at 256 per call (load 3.7; the scalar path 1.43 in the same minute),
 * ~0.45 over the first 10k steps (before the bias corrections saturate). Control flow inside the
 * step costs more than it saves here: an `if` around the sums and a branch for the masked update
 * made the step ~30% slower, so the seed model's step has none (see `update` below).
 */
import type { LossName } from '../../../experiment/declarative.js';
import type { MonitorSettings } from '../../../train/monitor.js';
import type { OptimizerSettings } from '../../../train/optimizers.js';
import type { MlpShape } from '../mlp-codegen.js';
import { FunctionBuilder, I32, ModuleBuilder, V128, wasmApi, type WasmMemory } from './wasm-emitter.js';
import { betaPowers, type PowerTable } from '../../../train/beta-powers.js';

/** Losses whose value and gradient need only +, −, ×, ÷ and comparisons (bit-identical in wasm). */
const OUTPUT_LOSSES: readonly LossName[] = ['sum_to_target', 'mse'];
const PARAM_LOSSES: readonly LossName[] = ['param_sum', 'l2', 'l1'];

export interface LaneShape extends MlpShape {
  readonly loss1: LossName;
  readonly loss2: LossName;
}

/** Per-lane constants, one v128 slot each, at the start of memory. */
const C_ALPHA = 0;
const C_B1 = 1;
const C_B2 = 2;
const C_C1 = 3;
const C_C2 = 4;
const C_EPS = 5;
const C_TARGET = 6;
/** The divergence monitor's thresholds (monitor.ts), and stop_on_diverge as 1 or 0. */
const C_MAX_LOSS = 7;
const C_MAX_NORM = 8;
const C_STOP_ON_DIVERGE = 9;
/**
 * State kept from one call to the next, as masks (all ones: true): the lane has diverged at some
 * step (so a later divergence is not a first one), and the lane is stopped (it diverged with
 * stop_on_diverge: nothing of it is stored any more).
 */
const S_DIVERGED = 10;
const S_STOPPED = 11;
const CONST_SLOTS = 12;

/**
 * One table entry per step (v128 each). In: stepSize and √(bias correction 2) per lane; whether to
 * compute the per-objective gradient sums (a double in lane 0, non-zero: yes). Out: loss1, loss2
 * and the parameter norm (at the parameters before the step's update, as train-loop.ts checks
 * them), the sums g1·g1, g2·g2, g1·g2 that computeGram gives (when asked, or when a lane diverged
 * for the first time at the step), and the step's divergence mask.
 */
const E_STEP_SIZE = 0;
const E_BC2_SQRT = 16;
const E_GRAM_WANTED = 32;
const E_LOSS1 = 48;
const E_LOSS2 = 64;
const E_NORM = 80;
const E_S11 = 96;
const E_S22 = 112;
const E_S12 = 128;
const E_DIVERGED = 144;
const ENTRY_BYTES = 160;

/** Steps one call may run (the table's length): 40 KiB of table, a few µs of JS filling it. */
export const MAX_STEPS_PER_CALL = 256;

/**
 * Largest network generated: every sample's activations and deltas and every parameter are locals,
 * and the code is unrolled over samples too, so beyond this the module's size (and TurboFan's
 * compile time) grows past what a worker should pay; such shapes keep the scalar path.
 */
export const MAX_LANE_LOCALS = 4096;
export const MAX_LANE_WORK = 32_768;

/** Byte offsets of everything in memory (each value a v128: [lane 0, lane 1]). */
export interface LaneLayout {
  readonly consts: number;
  readonly params: number;
  readonly m: number;
  readonly v: number;
  readonly features: number;
  readonly targets: number;
  readonly table: number;
  readonly size: number;
  readonly bytes: number;
}

export interface CompiledLanes {
  readonly shape: LaneShape;
  readonly layout: LaneLayout;
  readonly module: object;
  /**
   * Instances a finished AdamLanes gave back (release), for the next pair: a new instance maps a
   * new wasm memory (reserved with guard regions, its pages faulted in on first touch), which was
   * ~0.15 ms a pair in a profile of 400 short pairs — most of a 10-step pair's kernel time.
   */
  readonly spare: WasmInstance[];
}

/** The parts of a lane kernel instance AdamLanes uses. */
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** Instances kept for reuse per compiled kernel: one per pair a worker has going at once is enough. */
const MAX_SPARE = 2;

/** Why a shape has no lane kernel, or null when it has one. */
export function laneUnsupported(shape: LaneShape): string | null {
  const { widths, samples, activation } = shape;
  if (activation === 'tanh' || activation === 'sigmoid') return `activation ${activation} needs Math.exp/Math.tanh, which wasm cannot reproduce bit for bit`;
  for (const loss of [shape.loss1, shape.loss2]) {
    if (!OUTPUT_LOSSES.includes(loss) && !PARAM_LOSSES.includes(loss)) return `loss ${loss} needs Math.exp/Math.log`;
  }
  if (!Number.isFinite(shape.leakySlope) || !widths.every((w) => Number.isSafeInteger(w) && w > 0) || !(samples > 0)) return 'not a valid shape';
  let units = 0;
  let weights = 0;
  for (let l = 1; l < widths.length; l++) {
    units += widths[l]!;
    weights += widths[l - 1]! * widths[l]!;
  }
  const size = weights + units;
  // When both losses depend on the output, the gradient sums need ∇loss1 kept beside ∇loss2: `size` more.
  const extra = OUTPUT_LOSSES.includes(shape.loss1) && OUTPUT_LOSSES.includes(shape.loss2) ? size : 0;
  if (2 * samples * units + size + extra + samples * widths[0]! > MAX_LANE_LOCALS || samples * weights > MAX_LANE_WORK) return 'too large to unroll';
  return null;
}

/** Whether Adam with these settings takes optimizers.ts's fast path (no amsgrad, no decay of either kind), the only one generated. */
export function laneOptimizerSupported(s: OptimizerSettings): boolean {
  return (s.name === 'adam' || s.name === 'adamw') && s.weight_decay === 0 && !s.amsgrad;
}

function paramCount(widths: readonly number[]): number {
  let n = 0;
  for (let l = 1; l < widths.length; l++) n += widths[l - 1]! * widths[l]! + widths[l]!;
  return n;
}

export function laneLayout(shape: LaneShape, maxSteps = MAX_STEPS_PER_CALL): LaneLayout {
  const size = paramCount(shape.widths);
  const outputs = shape.samples * shape.widths[shape.widths.length - 1]!;
  const consts = 0;
  const params = consts + 16 * CONST_SLOTS;
  const m = params + 16 * size;
  const v = m + 16 * size;
  const features = v + 16 * size;
  const targets = features + 16 * shape.samples * shape.widths[0]!;
  const table = targets + 16 * outputs;
  return { consts, params, m, v, features, targets, table, size, bytes: table + ENTRY_BYTES * maxSteps };
}

/** Compiled modules by shape and losses, for the life of the process (as mlp-codegen.ts caches its kernels). */
const cache = new Map<string, CompiledLanes>();

/** Null when the shape, an activation or a loss is not supported (see laneUnsupported). */
export function compileLaneKernel(shape: LaneShape): CompiledLanes | null {
  if (laneUnsupported(shape) !== null) return null;
  const key = JSON.stringify(shape);
  let compiled = cache.get(key);
  if (!compiled) {
    const layout = laneLayout(shape);
    const bytes = laneModuleBytes(shape, layout);
    compiled = { shape, layout, module: new wasmApi.Module(bytes), spare: [] };
    cache.set(key, compiled);
  }
  return compiled;
}

/** The module: memory exported as `memory`, function `run(count)` running `count` steps. */
export function laneModuleBytes(shape: LaneShape, layout: LaneLayout): Uint8Array {
  const pages = Math.ceil(layout.bytes / 65536);
  const mod = new ModuleBuilder({ export: 'memory', pages });
  mod.addFunction('run', runFunction(shape, layout));
  return mod.encode();
}

/** Pushes [0, 0]. */
function zero(f: FunctionBuilder): FunctionBuilder {
  return f.f64x2Const(0);
}

function runFunction(shape: LaneShape, layout: LaneLayout): FunctionBuilder {
  const { widths, samples: n, activation: act, leakySlope: slope, weightOffsets: wo, biasOffsets: bo, loss1, loss2 } = shape;
  const L = widths.length - 1;
  const size = layout.size;
  const f = new FunctionBuilder([I32], []);
  const COUNT = 0;
  const ptr = f.local(I32);
  const end = f.local(I32);
  const gramWanted = f.local(I32);
  const vec = (): number => f.local(V128);
  const c = Array.from({ length: CONST_SLOTS }, vec);
  const negAlpha = vec();
  const stepSize = vec();
  const bc2Sqrt = vec();
  const stopOnDiverge = vec();
  // a[l][s*width + j]: a[0] the features, a[L] the output.
  const a = widths.map((w) => Array.from({ length: n * w }, vec));
  const delta = widths.map((w, l) => (l === 0 ? [] : Array.from({ length: n * w }, vec)));
  const outputs = n * widths[L]!;
  const targets = loss1 === 'mse' || loss2 === 'mse' ? Array.from({ length: outputs }, vec) : [];
  const p = Array.from({ length: size }, vec);
  const dir = Array.from({ length: size }, vec);
  const mi = vec();
  const vi = vec();
  const loss1Value = vec();
  const loss2Value = vec();
  const normValue = vec();
  /** 0 + p_0·p_0 + p_1·p_1 + … of the parameters the next step starts from (summed as the update stores them). */
  const normSum = vec();
  const diverged = vec();
  const ga = vec();
  const gb = vec();
  const sums = [vec(), vec(), vec()] as const;
  const outGrad1 = OUTPUT_LOSSES.includes(loss1) ? Array.from({ length: outputs }, vec) : [];
  const outGrad2 = OUTPUT_LOSSES.includes(loss2) ? Array.from({ length: outputs }, vec) : [];
  const out1 = OUTPUT_LOSSES.includes(loss1);
  const out2 = OUTPUT_LOSSES.includes(loss2);
  // ∇loss1 of the gradient sums when both losses need a backward pass of their own (∇loss2 goes into `dir`, recomputed after).
  const grad1 = out1 && out2 ? Array.from({ length: size }, vec) : [];

  // Once per call: the per-lane constants and state, the data (the same every step), the table's bounds.
  for (let i = 0; i < CONST_SLOTS; i++)
    f.i32Const(0)
      .v128Load(layout.consts + 16 * i)
      .localSet(c[i]!);
  f.localGet(c[C_ALPHA]!).f64x2Neg().localSet(negAlpha);
  f.localGet(c[C_STOP_ON_DIVERGE]!).f64x2Const(1).f64x2Eq().localSet(stopOnDiverge);
  a[0]!.forEach((x, i) =>
    f
      .i32Const(0)
      .v128Load(layout.features + 16 * i)
      .localSet(x),
  );
  targets.forEach((t, i) =>
    f
      .i32Const(0)
      .v128Load(layout.targets + 16 * i)
      .localSet(t),
  );
  f.i32Const(layout.table).localSet(ptr);
  f.localGet(COUNT).i32Const(ENTRY_BYTES).i32Mul().i32Const(layout.table).i32Add().localSet(end);
  // The first step's squared norm; later ones come from the update (below).
  zero(f);
  for (let i = 0; i < size; i++)
    f.i32Const(0)
      .v128Load(layout.params + 16 * i)
      .localTee(ga)
      .localGet(ga)
      .f64x2Mul()
      .f64x2Add();
  f.localSet(normSum);

  f.block().loop();
  f.localGet(ptr).localGet(end).i32GeU().brIf(1);
  f.localGet(ptr).v128Load(E_STEP_SIZE).localSet(stepSize);
  f.localGet(ptr).v128Load(E_BC2_SQRT).localSet(bc2Sqrt);
  for (let i = 0; i < size; i++)
    f.i32Const(0)
      .v128Load(layout.params + 16 * i)
      .localSet(p[i]!);

  // Forward, as mlp-codegen's forwardSource: z = b_j + w_j0·x_0 + w_j1·x_1 + …, then the activation (hidden layers).
  for (let l = 1; l <= L; l++) {
    const din = widths[l - 1]!;
    const dout = widths[l]!;
    for (let s = 0; s < n; s++) {
      for (let j = 0; j < dout; j++) {
        const y = a[l]![s * dout + j]!;
        f.localGet(p[bo[l - 1]! + j]!);
        for (let k = 0; k < din; k++)
          f.localGet(p[wo[l - 1]! + j * din + k]!)
            .localGet(a[l - 1]![s * din + k]!)
            .f64x2Mul()
            .f64x2Add();
        f.localSet(y);
        if (l < L) activate(f, act, y, slope);
      }
    }
  }

  // The losses and dLoss/d(output), as FusedOracle.outputLoss and evaluateParamLoss.
  if (out1) outputLoss(f, loss1, a[L]!, targets, outGrad1, c[C_TARGET]!, loss1Value, n, widths[L]!);
  else paramLossValue(f, loss1, p, loss1Value);
  if (out2) outputLoss(f, loss2, a[L]!, targets, outGrad2, c[C_TARGET]!, loss2Value, n, widths[L]!);
  else paramLossValue(f, loss2, p, loss2Value);
  f.localGet(ptr).localGet(loss1Value).v128Store(E_LOSS1);
  f.localGet(ptr).localGet(loss2Value).v128Store(E_LOSS2);

  // The parameter norm as train-loop's norm(): √(0 + p_0·p_0 + p_1·p_1 + …), √ correctly rounded
  // like Math.sqrt. The sum is taken in the previous step's update, value by value as it stores
  // the parameters (the same products and sums in the same order): there its chain of dependent
  // additions overlaps the update's √ and ÷ instead of adding its latency to the step.
  f.localGet(normSum).f64x2Sqrt().localSet(normValue);
  f.localGet(ptr).localGet(normValue).v128Store(E_NORM);

  // checkDivergence(…) !== null, per lane: a value non-finite (|x| < ∞ is false for ±∞ and NaN), or a threshold exceeded.
  f.localGet(loss1Value).f64x2Abs().f64x2Const(Infinity).f64x2Lt();
  f.localGet(loss2Value).f64x2Abs().f64x2Const(Infinity).f64x2Lt().v128And();
  f.localGet(normValue).f64x2Abs().f64x2Const(Infinity).f64x2Lt().v128And().v128Not();
  f.localGet(loss1Value).f64x2Abs().localGet(c[C_MAX_LOSS]!).f64x2Gt().v128Or();
  f.localGet(loss2Value).f64x2Abs().localGet(c[C_MAX_LOSS]!).f64x2Gt().v128Or();
  f.localGet(normValue).localGet(c[C_MAX_NORM]!).f64x2Gt().v128Or().localSet(diverged);
  f.localGet(ptr).localGet(diverged).v128Store(E_DIVERGED);
  // The gradient sums are wanted (a logged or measured step), or a lane diverges for the first time (that row is always written).
  f.localGet(ptr).f64Load(E_GRAM_WANTED).f64Const(0).f64Ne();
  f.localGet(diverged).localGet(c[S_DIVERGED]!).v128Andnot().v128AnyTrue().i32Or().localSet(gramWanted);
  f.localGet(c[S_DIVERGED]!).localGet(diverged).v128Or().localSet(c[S_DIVERGED]!);
  // stop_on_diverge: the lane stops at its diverging step, before the update.
  f.localGet(c[S_STOPPED]!).localGet(diverged).localGet(stopOnDiverge).v128And().v128Or().localSet(c[S_STOPPED]!);

  /** The three sums of computeGram over i = 0, 1, …: s11 += a·a, s22 += b·b, s12 += a·b, with ga = g1[i], gb = g2[i]. */
  const gramTerm = (): void => {
    f.localGet(sums[0]).localGet(ga).localGet(ga).f64x2Mul().f64x2Add().localSet(sums[0]);
    f.localGet(sums[1]).localGet(gb).localGet(gb).f64x2Mul().f64x2Add().localSet(sums[1]);
    f.localGet(sums[2]).localGet(ga).localGet(gb).f64x2Mul().f64x2Add().localSet(sums[2]);
  };
  const storeSums = (): void => {
    f.localGet(ptr).localGet(sums[0]).v128Store(E_S11);
    f.localGet(ptr).localGet(sums[1]).v128Store(E_S22);
    f.localGet(ptr).localGet(sums[2]).v128Store(E_S12);
  };
  const gramSums = (pushA: (i: number) => void, pushB: (i: number) => void): void => {
    for (const sum of sums) zero(f).localSet(sum);
    for (let i = 0; i < size; i++) {
      pushA(i);
      f.localSet(ga);
      pushB(i);
      f.localSet(gb);
      gramTerm();
    }
    storeSums();
  };

  // The combined direction, branch by branch as FusedOracle.evaluateCombined; the per-objective
  // gradients (its `per`) where it computes them. When they cost a backward pass of their own (a
  // loss2 of the output), only on steps that want the sums, in an `if`; otherwise they are at hand
  // and their sums are taken every step, inside the update's loop (see `update` below: any branch
  // in the step, and the dependent additions on their own, cost more).
  const last = delta[L]!;
  /** Pushes the direction's entry i where it is not in dir[i] (the two cheap branches), and g1[i], g2[i] for the sums. */
  let direction: ((i: number) => void) | null = null;
  let gramA: ((i: number) => void) | null = null;
  let gramB: ((i: number) => void) | null = null;
  if (out1 && out2) {
    // ∇loss1 and ∇loss2 by a backward pass each; then last[i] = outGrad1[i] − α·outGrad2[i] and one backward pass.
    f.localGet(gramWanted).if();
    for (let i = 0; i < outputs; i++) f.localGet(outGrad1[i]!).localSet(last[i]!);
    backward(f, shape, p, a, delta, grad1);
    for (let i = 0; i < outputs; i++) f.localGet(outGrad2[i]!).localSet(last[i]!);
    backward(f, shape, p, a, delta, dir);
    gramSums(
      (i) => f.localGet(grad1[i]!),
      (i) => f.localGet(dir[i]!),
    );
    f.end();
    for (let i = 0; i < outputs; i++) f.localGet(outGrad1[i]!).localGet(c[C_ALPHA]!).localGet(outGrad2[i]!).f64x2Mul().f64x2Sub().localSet(last[i]!);
    backward(f, shape, p, a, delta, dir);
  } else if (out1) {
    // backward of loss1 into dir (∇loss1); the direction dir[i] − α·paramGrad2[i], in the update.
    for (let i = 0; i < outputs; i++) f.localGet(outGrad1[i]!).localSet(last[i]!);
    backward(f, shape, p, a, delta, dir);
    direction = (i) => {
      f.localGet(dir[i]!);
      alphaTimesParamGrad(f, loss2, c[C_ALPHA]!, p[i]!);
      f.f64x2Sub();
    };
    gramA = (i) => f.localGet(dir[i]!);
    gramB = (i) => paramGrad(f, loss2, p[i]!);
  } else if (out2) {
    // ∇loss2 by a backward pass of its own (into dir, recomputed below) when the sums are wanted;
    // last[i] = −α·outGrad2[i] (−α first, as JS's `-alpha * g`); dir[i] = paramGrad1[i] + dir[i].
    f.localGet(gramWanted).if();
    for (let i = 0; i < outputs; i++) f.localGet(outGrad2[i]!).localSet(last[i]!);
    backward(f, shape, p, a, delta, dir);
    gramSums(
      (i) => paramGrad(f, loss1, p[i]!),
      (i) => f.localGet(dir[i]!),
    );
    f.end();
    for (let i = 0; i < outputs; i++) f.localGet(negAlpha).localGet(outGrad2[i]!).f64x2Mul().localSet(last[i]!);
    backward(f, shape, p, a, delta, dir);
    for (let i = 0; i < size; i++) {
      paramGrad(f, loss1, p[i]!);
      f.localGet(dir[i]!).f64x2Add().localSet(dir[i]!);
    }
  } else {
    // paramGrad1[i] − α·paramGrad2[i], in the update.
    direction = (i) => {
      paramGrad(f, loss1, p[i]!);
      alphaTimesParamGrad(f, loss2, c[C_ALPHA]!, p[i]!);
      f.f64x2Sub();
    };
    gramA = (i) => paramGrad(f, loss1, p[i]!);
    gramB = (i) => paramGrad(f, loss2, p[i]!);
  }

  // Adam's fast path (optimizers.ts): m ← m·β1 + g·(1−β1); v ← v·β2 + g·g·(1−β2);
  // p ← p − stepSize·(m / (√v / √bc2 + eps)). While a lane is stopped, its m, v and p keep their
  // values: each store selects the old value there ([new, old, running] → bitselect). Always, not
  // in a branch taken only while a lane is stopped: any control flow in the step cost more than
  // the three selects per parameter (seed model, bench/lanes-vs-scalar.ts: the branch and an `if`
  // around the sums made the step ~30% slower; the selects alone ~4%).
  // The same loop sums the squares of the parameters it stores, the next step's norm.
  const running = vec();
  const g = vec();
  const mOld = vec();
  const vOld = vec();
  const pNew = vec();
  f.localGet(c[S_STOPPED]!).v128Not().localSet(running);
  zero(f).localSet(normSum);
  if (gramA) for (const sum of sums) zero(f).localSet(sum);
  for (let i = 0; i < size; i++) {
    if (direction) {
      direction(i);
      f.localSet(g);
    } else f.localGet(dir[i]!).localSet(g);
    f.i32Const(0)
      .v128Load(layout.m + 16 * i)
      .localSet(mOld);
    f.i32Const(0)
      .v128Load(layout.v + 16 * i)
      .localSet(vOld);
    f.i32Const(0);
    f.localGet(mOld).localGet(c[C_B1]!).f64x2Mul().localGet(g).localGet(c[C_C1]!).f64x2Mul().f64x2Add().localTee(mi);
    f.localGet(mOld).localGet(running).v128Bitselect();
    f.v128Store(layout.m + 16 * i);
    f.i32Const(0);
    f.localGet(vOld).localGet(c[C_B2]!).f64x2Mul().localGet(g).localGet(g).f64x2Mul().localGet(c[C_C2]!).f64x2Mul().f64x2Add().localTee(vi);
    f.localGet(vOld).localGet(running).v128Bitselect();
    f.v128Store(layout.v + 16 * i);
    f.i32Const(0);
    f.localGet(p[i]!)
      .localGet(stepSize)
      .localGet(mi)
      .localGet(vi)
      .f64x2Sqrt()
      .localGet(bc2Sqrt)
      .f64x2Div()
      .localGet(c[C_EPS]!)
      .f64x2Add()
      .f64x2Div()
      .f64x2Mul()
      .f64x2Sub();
    f.localGet(p[i]!).localGet(running).v128Bitselect().localTee(pNew);
    f.v128Store(layout.params + 16 * i);
    f.localGet(normSum).localGet(pNew).localGet(pNew).f64x2Mul().f64x2Add().localSet(normSum);
    if (gramA && gramB) {
      gramA(i);
      f.localSet(ga);
      gramB(i);
      f.localSet(gb);
      gramTerm();
    }
  }
  if (gramA) storeSums();

  f.localGet(ptr).i32Const(ENTRY_BYTES).i32Add().localSet(ptr);
  f.br(0).end().end();
  // The state for the next call.
  f.i32Const(0)
    .localGet(c[S_DIVERGED]!)
    .v128Store(layout.consts + 16 * S_DIVERGED);
  f.i32Const(0)
    .localGet(c[S_STOPPED]!)
    .v128Store(layout.consts + 16 * S_STOPPED);
  return f;
}

/** y ← act(y), as mlp-codegen's `activation`: relu `z < 0 ? 0 : z`, leaky `z < 0 ? slope·z : z`. */
function activate(f: FunctionBuilder, act: LaneShape['activation'], y: number, slope: number): void {
  switch (act) {
    case 'relu':
      zero(f).localGet(y).localGet(y);
      zero(f).f64x2Lt().v128Bitselect().localSet(y);
      return;
    case 'leaky_relu':
      f.f64x2Const(slope).localGet(y).f64x2Mul().localGet(y).localGet(y);
      zero(f).f64x2Lt().v128Bitselect().localSet(y);
      return;
    case 'linear':
      return;
    default:
      throw new Error(`lane kernel: activation ${act} is not generated`);
  }
}

/** Pushes `d ⊙ act'` for d on the stack and the activation's output `x`, as mlp-codegen's `slopeTimes`. */
function slopeTimes(f: FunctionBuilder, act: LaneShape['activation'], d: number, x: number, slope: number): void {
  switch (act) {
    case 'relu':
      // (x > 0 ? d : 0)
      f.localGet(d);
      zero(f).localGet(x);
      zero(f).f64x2Gt().v128Bitselect();
      return;
    case 'leaky_relu':
      // (x > 0 ? d : d·slope)
      f.localGet(d).localGet(d).f64x2Const(slope).f64x2Mul().localGet(x);
      zero(f).f64x2Gt().v128Bitselect();
      return;
    case 'linear':
      f.localGet(d);
      return;
    default:
      throw new Error(`lane kernel: activation ${act} is not generated`);
  }
}

/** mlp-codegen's backwardSource, unrolled over samples too: accumulators start from 0 and add samples in order. */
function backward(f: FunctionBuilder, shape: LaneShape, p: number[], a: number[][], delta: number[][], dir: number[]): void {
  const { widths, samples: n, activation: act, leakySlope: slope, weightOffsets: wo, biasOffsets: bo } = shape;
  const L = widths.length - 1;
  for (let l = L; l >= 1; l--) {
    const din = widths[l - 1]!;
    const dout = widths[l]!;
    const x = a[l - 1]!;
    const dz = delta[l]!;
    for (let j = 0; j < dout; j++) {
      zero(f);
      for (let s = 0; s < n; s++) f.localGet(dz[s * dout + j]!).f64x2Add();
      f.localSet(dir[bo[l - 1]! + j]!);
      for (let k = 0; k < din; k++) {
        zero(f);
        for (let s = 0; s < n; s++)
          f.localGet(dz[s * dout + j]!)
            .localGet(x[s * din + k]!)
            .f64x2Mul()
            .f64x2Add();
        f.localSet(dir[wo[l - 1]! + j * din + k]!);
      }
    }
    if (l > 1) {
      const below = delta[l - 1]!;
      for (let s = 0; s < n; s++) {
        for (let k = 0; k < din; k++) {
          const v = below[s * din + k]!;
          zero(f);
          for (let j = 0; j < dout; j++)
            f.localGet(dz[s * dout + j]!)
              .localGet(p[wo[l - 1]! + j * din + k]!)
              .f64x2Mul()
              .f64x2Add();
          f.localSet(v);
          slopeTimes(f, act, v, x[s * din + k]!, slope);
          f.localSet(v);
        }
      }
    }
  }
}

/** FusedOracle.outputLoss: the value into `value`, dLoss/d(output) into `g`. */
function outputLoss(
  f: FunctionBuilder,
  loss: LossName,
  out: number[],
  targets: number[],
  g: number[],
  target: number,
  value: number,
  n: number,
  d: number,
): void {
  const m = n * d;
  switch (loss) {
    case 'sum_to_target': {
      // sum = 0 + out_0 + out_1 + …; r = target − sum; g = −2·r everywhere; value r·r. `value` holds r first.
      zero(f);
      for (let i = 0; i < m; i++) f.localGet(out[i]!).f64x2Add();
      f.localSet(value);
      f.localGet(target).localGet(value).f64x2Sub().localSet(value);
      f.f64x2Const(-2).localGet(value).f64x2Mul().localSet(g[0]!);
      for (let i = 1; i < m; i++) f.localGet(g[0]!).localSet(g[i]!);
      f.localGet(value).localGet(value).f64x2Mul().localSet(value);
      return;
    }
    case 'mse': {
      // e = out − t; sse = 0 + e_0·e_0 + …; g = (2·e)/m; value sse/m. g[i] holds e first.
      for (let i = 0; i < m; i++) f.localGet(out[i]!).localGet(targets[i]!).f64x2Sub().localSet(g[i]!);
      zero(f);
      for (let i = 0; i < m; i++) f.localGet(g[i]!).localGet(g[i]!).f64x2Mul().f64x2Add();
      f.f64x2Const(m).f64x2Div().localSet(value);
      for (let i = 0; i < m; i++) f.f64x2Const(2).localGet(g[i]!).f64x2Mul().f64x2Const(m).f64x2Div().localSet(g[i]!);
      return;
    }
    default:
      throw new Error(`lane kernel: not an output loss: ${loss}`);
  }
}

/** evaluateParamLoss's value: 0 + term(p_0) + term(p_1) + … in layout order. */
function paramLossValue(f: FunctionBuilder, loss: LossName, p: number[], value: number): void {
  zero(f);
  for (const pi of p) {
    f.localGet(pi);
    if (loss === 'l2') f.localGet(pi).f64x2Mul();
    else if (loss === 'l1') f.f64x2Abs();
    else if (loss !== 'param_sum') throw new Error(`lane kernel: not a parameter loss: ${loss}`);
    f.f64x2Add();
  }
  f.localSet(value);
}

/** Pushes evaluateParamLoss's gradient entry at p: param_sum 1, l2 2·p, l1 Math.sign(p). */
function paramGrad(f: FunctionBuilder, loss: LossName, pi: number): void {
  switch (loss) {
    case 'param_sum':
      f.f64x2Const(1);
      return;
    case 'l2':
      f.f64x2Const(2).localGet(pi).f64x2Mul();
      return;
    case 'l1':
      // Math.sign: p > 0 → 1, p < 0 → −1, otherwise p itself (±0 and NaN stay what they are).
      f.f64x2Const(1).f64x2Const(-1).localGet(pi).localGet(pi);
      zero(f).f64x2Lt().v128Bitselect();
      f.localGet(pi);
      zero(f).f64x2Gt().v128Bitselect();
      return;
    default:
      throw new Error(`lane kernel: not a parameter loss: ${loss}`);
  }
}

/**
 * Pushes α·paramGrad(p). For param_sum (gradient 1) that is α itself: x·1 = x exactly for every
 * double, so the multiplication is left out.
 */
function alphaTimesParamGrad(f: FunctionBuilder, loss: LossName, alpha: number, pi: number): void {
  if (loss === 'param_sum') {
    f.localGet(alpha);
    return;
  }
  f.localGet(alpha);
  paramGrad(f, loss, pi);
  f.f64x2Mul();
}

/** One lane's run: its start and its settings (the optimizer must pass laneOptimizerSupported). */
export interface LaneRun {
  readonly params: Float64Array;
  readonly features: Float64Array;
  readonly targets?: Float64Array;
  readonly target: number;
  readonly alpha: number;
  readonly optimizer: OptimizerSettings;
  /** The divergence monitor: a lane with stop_on_diverge stops at its first diverging step. Default: never stops. */
  readonly monitor?: MonitorSettings;
}

/** A monitor that never stops a lane (divergence is still reported per step). */
const NO_STOP: MonitorSettings = { max_loss: Infinity, max_param_norm: Infinity, stop_on_diverge: false };

/**
 * Below this, β^t no longer changes a bias correction: 1 − x rounds to exactly 1 for 0 ≤ |x| < 2⁻⁵⁴,
 * and β^(t+1) < β^t by far more than `**`'s error (under an ulp), so every later power stays below
 * 2⁻⁵⁴ too; the margin (2⁻⁶⁰) covers any doubt. From there on Adam's stepSize is lr / 1 = lr and
 * √bc2 is √1 = 1 — what the scalar step computes with its two `**` per step — so the table is
 * filled without them (they were ~20% of the lanes' time per step: for β2 = 0.999 that is
 * t > 41,000, most of a long run).
 */
const SATURATED = 2 ** -60;

/**
 * Two runs in the two lanes of one kernel instance (its own memory). `run(count)` advances both
 * by `count` steps; what those steps saw (at the parameters before each update, as steps.csv
 * logs them) is then read with `loss1(lane, k)`, `loss2`, `paramNorm`, `diverged` and, on steps
 * that asked for them, `gram`. A lane whose monitor has stop_on_diverge stops at its first
 * diverging step (that step's update is not applied) and stays stopped: its later table entries
 * are meaningless, and its parameters, m and v stay as they were.
 */
export class AdamLanes {
  readonly layout: LaneLayout;
  private readonly memory: WasmMemory;
  private readonly f64: Float64Array;
  private readonly u32: Uint32Array;
  private readonly runFn: (count: number) => void;
  /** Adam's step count per lane, and what its bias corrections need. */
  private readonly t = [0, 0];
  private readonly lr: number[];
  /** Per lane: β1 ** t and β2 ** t, read from the process's tables (train/beta-powers.ts). */
  private readonly b1: PowerTable[];
  private readonly b2: PowerTable[];
  /** Per lane: both β^t have fallen below SATURATED, so the bias corrections are exactly 1 from now on. */
  private readonly saturated = [false, false];

  private readonly compiled: CompiledLanes;
  private instance: WasmInstance | null;

  constructor(compiled: CompiledLanes, lanes: readonly [LaneRun, LaneRun]) {
    this.layout = compiled.layout;
    this.compiled = compiled;
    const spare = compiled.spare.pop();
    const instance = spare ?? new wasmApi.Instance(compiled.module);
    this.instance = instance;
    this.memory = instance.exports['memory'] as WasmMemory;
    // A reused instance is made a fresh one: the module has no globals or data segments, so its
    // whole state is its memory, which a new instance starts with all zeros.
    if (spare) new Uint8Array(this.memory.buffer).fill(0);
    this.runFn = instance.exports['run'] as (count: number) => void;
    this.f64 = new Float64Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    const { layout } = this;
    const { samples, widths } = compiled.shape;
    const outputs = samples * widths[widths.length - 1]!;
    lanes.forEach((lane, k) => {
      const o = lane.optimizer;
      if (!laneOptimizerSupported(o)) throw new Error('lane kernel: only Adam without weight decay or amsgrad is generated');
      if (lane.params.length !== layout.size) throw new Error(`lane kernel: ${lane.params.length} parameters, the shape has ${layout.size}`);
      const [b1, b2] = o.betas;
      // The constants Adam's step derives from its settings, computed by the same expressions.
      const mon = lane.monitor ?? NO_STOP;
      const consts = [lane.alpha, b1, b2, 1 - b1, 1 - b2, o.eps, lane.target, mon.max_loss, mon.max_param_norm, mon.stop_on_diverge ? 1 : 0, 0, 0];
      consts.forEach((x, i) => this.set(layout.consts, i, k, x));
      this.setVector(layout.params, k, lane.params);
      this.setVector(layout.features, k, lane.features);
      if (lane.targets) this.setVector(layout.targets, k, lane.targets.subarray(0, outputs));
    });
    this.lr = lanes.map((l) => l.optimizer.lr);
    this.b1 = lanes.map((l) => betaPowers(l.optimizer.betas[0]));
    this.b2 = lanes.map((l) => betaPowers(l.optimizer.betas[1]));
  }

  /**
   * Advances both lanes by `count` ≤ MAX_STEPS_PER_CALL steps. `gramWanted[k]` non-zero: step k
   * computes the per-objective gradient sums (they are computed anyway at a step where a lane
   * diverges for the first time).
   */
  run(count: number, gramWanted?: ArrayLike<number>): void {
    if (!(count >= 0 && count <= MAX_STEPS_PER_CALL)) throw new Error(`lane kernel: ${count} steps in one call (at most ${MAX_STEPS_PER_CALL})`);
    const { f64, t, lr, b1, b2, saturated } = this;
    const base = this.layout.table / 8;
    for (let lane = 0; lane < 2; lane++) {
      let tl = t[lane]!;
      const b1l = b1[lane]!;
      const b2l = b2[lane]!;
      const lrl = lr[lane]!;
      for (let k = 0; k < count; k++) {
        const e = base + (k * ENTRY_BYTES) / 8 + lane;
        tl += 1;
        if (saturated[lane]) {
          // What the expressions below give once both powers are below SATURATED: 1 − x = 1 exactly, √1 = 1, lr / 1 = lr.
          f64[e + E_STEP_SIZE / 8] = lrl;
          f64[e + E_BC2_SQRT / 8] = 1;
          continue;
        }
        // Adam.step's bias corrections, the same expressions in the same order.
        const pow1 = b1l.at(tl);
        const pow2 = b2l.at(tl);
        const bc1 = 1 - pow1;
        const bc2Sqrt = Math.sqrt(1 - pow2);
        f64[e + E_STEP_SIZE / 8] = lrl / bc1;
        f64[e + E_BC2_SQRT / 8] = bc2Sqrt;
        if (Math.abs(pow1) < SATURATED && Math.abs(pow2) < SATURATED) saturated[lane] = true;
      }
      t[lane] = tl;
    }
    for (let k = 0; k < count; k++) f64[base + (k * ENTRY_BYTES + E_GRAM_WANTED) / 8] = gramWanted ? gramWanted[k]! : 0;
    this.runFn(count);
  }

  /** loss1 of step k of the last `run` (at the parameters before that step's update). */
  loss1(lane: 0 | 1, k: number): number {
    return this.f64[(this.layout.table + k * ENTRY_BYTES + E_LOSS1) / 8 + lane]!;
  }

  loss2(lane: 0 | 1, k: number): number {
    return this.f64[(this.layout.table + k * ENTRY_BYTES + E_LOSS2) / 8 + lane]!;
  }

  /** The parameter norm at step k of the last `run` (before that step's update), as train-loop's norm(). */
  paramNorm(lane: 0 | 1, k: number): number {
    return this.f64[(this.layout.table + k * ENTRY_BYTES + E_NORM) / 8 + lane]!;
  }

  /** Whether checkDivergence would report step k of the last `run` (its thresholds being the lane's monitor's). */
  diverged(lane: 0 | 1, k: number): boolean {
    return this.u32[(this.layout.table + k * ENTRY_BYTES + E_DIVERGED) / 4 + 2 * lane] !== 0;
  }

  /**
   * computeGram's sums at step k of the last `run` into out[0..2] (g1·g1, g2·g2, g1·g2); valid only
   * for a step that asked for them or where the lane first diverged.
   */
  gram(lane: 0 | 1, k: number, out: Float64Array): Float64Array {
    const e = (this.layout.table + k * ENTRY_BYTES) / 8 + lane;
    out[0] = this.f64[e + E_S11 / 8]!;
    out[1] = this.f64[e + E_S22 / 8]!;
    out[2] = this.f64[e + E_S12 / 8]!;
    return out;
  }

  /** Whether the lane is stopped (it diverged under stop_on_diverge). */
  stopped(lane: 0 | 1): boolean {
    return this.u32[(this.layout.consts + 16 * S_STOPPED) / 4 + 2 * lane] !== 0;
  }

  /** Done with the kernel: its instance goes back for the next pair (this object must not be used again). */
  release(): void {
    if (this.instance !== null && this.compiled.spare.length < MAX_SPARE) this.compiled.spare.push(this.instance);
    this.instance = null;
  }

  /** Copies lane `lane`'s parameters into `out`. */
  params(lane: 0 | 1, out: Float64Array): Float64Array {
    const base = this.layout.params / 8 + lane;
    for (let i = 0; i < this.layout.size; i++) out[i] = this.f64[base + 2 * i]!;
    return out;
  }

  private set(region: number, slot: number, lane: number, x: number): void {
    this.f64[region / 8 + 2 * slot + lane] = x;
  }

  private setVector(region: number, lane: number, xs: Float64Array): void {
    for (let i = 0; i < xs.length; i++) this.set(region, i, lane, xs[i]!);
  }
}
