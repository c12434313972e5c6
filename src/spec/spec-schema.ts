/**
 * The zod schemas of one grid point's settings: the merged spec (file, then flags, then that
 * point's swept values), with `experiment: NAME` and `optimizer: NAME` already normalized to
 * `{ base: NAME }` and `{ name: NAME }`. Every object is strict: an unknown key is an error.
 * Cross-field rules (shapes against layers, nesterov, fused-with-module…) live in parse-point.ts.
 */
import * as z from 'zod';
import { ACTIVATIONS, LOSSES } from '../experiment/declarative.js';
import type { BackendName } from '../engine/types.js';
import { COMBINERS } from '../train/combiner.js';
import { OPTIMIZERS } from '../train/optimizers.js';
import type { EngineChoice } from './types.js';

export const ENGINE_CHOICES = ['auto', 'tfjs', 'fused'] as const satisfies readonly EngineChoice[];
export const BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const satisfies readonly BackendName[];

/** A sweep name becomes a directory name: the same safe characters as run ids. */
export const NAME_PATTERN = /^[A-Za-z0-9._+-]+$/;
export const MAX_NAME_LENGTH = 100;
/** Steps are counted in float64 and logged as integers; 1e9 updates is days even for the smallest net. */
export const MAX_STEPS = 1_000_000_000;
/** Seeds feed PyTorch's generator as unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

// zod 4's z.number() rejects NaN and ±Infinity, so every number below is finite.
const positiveInt = z.number().int().min(1);
const matrix = z.array(z.array(z.number()).min(1)).min(1);

export const experimentSchema = z.strictObject({
  base: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  layers: z.array(positiveInt).min(2).optional(),
  activation: z.enum(ACTIVATIONS).optional(),
  leaky_slope: z.number().optional(),
  features: z.union([matrix, z.strictObject({ uniform: z.tuple([positiveInt, positiveInt]) })]).optional(),
  target: z.number().optional(),
  targets: matrix.optional(),
  labels: z.array(z.number().int().min(0)).min(1).optional(),
  loss1: z.enum(LOSSES).optional(),
  loss2: z.enum(LOSSES).optional(),
});

export const optimizerSchema = z.strictObject({
  name: z.enum(OPTIMIZERS).optional(),
  lr: z.number().gt(0).optional(),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).optional(),
  eps: z.number().min(0).optional(),
  weight_decay: z.number().min(0).optional(),
  momentum: z.number().min(0).optional(),
  dampening: z.number().min(0).max(1).optional(),
  nesterov: z.boolean().optional(),
  amsgrad: z.boolean().optional(),
  rms_alpha: z.number().min(0).lt(1).optional(),
  centered: z.boolean().optional(),
});

export const combineSchema = z.strictObject({
  name: z.enum(COMBINERS).optional(),
  beta: z.number().min(0).lt(1).optional(),
  tau: z.number().nullable().optional(),
  epsilon: z.number().nullable().optional(),
  dual_lr: z.number().gt(0).optional(),
  dual_restarts: z.boolean().optional(),
});

export const monitorSchema = z.strictObject({
  max_loss: z.number().gt(0).optional(),
  max_param_norm: z.number().gt(0).optional(),
  stop_on_diverge: z.boolean().optional(),
});

export const verdictSchema = z.strictObject({
  window: z.number().gt(0).max(1).optional(),
  settle_tol: z.number().gt(0).optional(),
  drift_tol: z.number().gt(0).optional(),
});

export const pointSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(MAX_NAME_LENGTH)
    .regex(NAME_PATTERN)
    .refine((s) => s !== '.' && s !== '..')
    .optional(),
  experiment: experimentSchema.optional(),
  module: z.string().min(1).optional(),
  // alpha, seeds and sweep are validated by parse-spec.ts before the grid exists; they are listed
  // here so that a misspelling of them is recognised as one.
  alpha: z.unknown().optional(),
  seeds: z.unknown().optional(),
  steps: positiveInt.max(MAX_STEPS).optional(),
  log_every: positiveInt.max(MAX_STEPS).optional(),
  optimizer: optimizerSchema.optional(),
  combine: combineSchema.optional(),
  engine: z.enum(ENGINE_CHOICES).optional(),
  backend: z.enum(BACKENDS).optional(),
  init: z.string().min(1).nullable().optional(),
  monitor: monitorSchema.optional(),
  verdict: verdictSchema.optional(),
  sweep: z.unknown().optional(),
});

export type PointDocument = z.infer<typeof pointSchema>;
export type ExperimentDocument = z.infer<typeof experimentSchema>;
export type OptimizerDocument = z.infer<typeof optimizerSchema>;
export type CombineDocument = z.infer<typeof combineSchema>;

/** The known keys of every mapping in a spec, by dotted path ('' is the top level). */
export const MAPPING_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(pointSchema.shape),
  experiment: Object.keys(experimentSchema.shape),
  'experiment.features': ['uniform'],
  optimizer: Object.keys(optimizerSchema.shape),
  combine: Object.keys(combineSchema.shape),
  monitor: Object.keys(monitorSchema.shape),
  verdict: Object.keys(verdictSchema.shape),
};
