/**
 * The divergence monitor: checked after every evaluation, logged or not. Its thresholds' defaults,
 * and why, are in the settings registry (spec/settings.ts).
 */
export interface MonitorSettings {
  /** |loss1| or |loss2| above this means diverged. */
  readonly max_loss: number;
  /** Euclidean norm of all parameters above this means diverged. */
  readonly max_param_norm: number;
  /** Stop the run at the first divergence (true) or keep training and only record it (false). */
  readonly stop_on_diverge: boolean;
}

export type DivergeReason = 'non-finite' | 'loss1-threshold' | 'loss2-threshold' | 'param-norm-threshold';

export interface Divergence {
  readonly step: number;
  readonly reason: DivergeReason;
  /** One sentence for a person: what crossed what. */
  readonly detail: string;
}

export function checkDivergence(settings: MonitorSettings, step: number, loss1: number, loss2: number, paramNorm: number): Divergence | null {
  if (!Number.isFinite(loss1) || !Number.isFinite(loss2) || !Number.isFinite(paramNorm)) {
    const what = !Number.isFinite(loss1) ? `loss1 = ${loss1}` : !Number.isFinite(loss2) ? `loss2 = ${loss2}` : `parameter norm = ${paramNorm}`;
    return { step, reason: 'non-finite', detail: `${what} at step ${step}` };
  }
  if (Math.abs(loss1) > settings.max_loss) {
    return { step, reason: 'loss1-threshold', detail: `|loss1| = ${fmt(loss1)} > max_loss ${fmt(settings.max_loss)} at step ${step}` };
  }
  if (Math.abs(loss2) > settings.max_loss) {
    return { step, reason: 'loss2-threshold', detail: `|loss2| = ${fmt(loss2)} > max_loss ${fmt(settings.max_loss)} at step ${step}` };
  }
  if (paramNorm > settings.max_param_norm) {
    return {
      step,
      reason: 'param-norm-threshold',
      detail: `parameter norm ${fmt(paramNorm)} > max_param_norm ${fmt(settings.max_param_norm)} at step ${step}`,
    };
  }
  return null;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(6)));
}
