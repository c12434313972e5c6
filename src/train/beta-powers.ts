/**
 * β^t for Adam's bias corrections, remembered per β for every run of the process.
 *
 * Adam's step computes `b1 ** t` and `b2 ** t` — two Math.pow calls per step and run, each tens of
 * nanoseconds: a measurable share of a lane pair's ~0.8 µs step (the lane kernel's JavaScript
 * side). Every run of a sweep with the same betas asks for the same powers, so they are computed
 * once, by the same `**` expression, and read back: the same doubles, so outputs do not change.
 * A table stops growing at MAX_POWERS entries (2 MB); beyond it (t past 262,144: by then even
 * β2 = 0.999's power is far below the point where the bias correction rounds to exactly 1) the
 * power is computed again each time.
 */
const MAX_POWERS = 1 << 18;

export class PowerTable {
  private values = new Float64Array(0);
  /** values[i] is base ** (i + 1) for i < length. */
  private length = 0;

  constructor(private readonly base: number) {}

  /** base ** t — exactly the double `base ** t` gives. */
  at(t: number): number {
    if (t <= this.length) return this.values[t - 1]!;
    if (t > MAX_POWERS || !Number.isInteger(t) || t < 1) return this.base ** t;
    const grown = new Float64Array(Math.min(MAX_POWERS, Math.max(1024, 2 * t)));
    grown.set(this.values.subarray(0, this.length));
    for (let i = this.length; i < grown.length; i++) grown[i] = this.base ** (i + 1);
    this.values = grown;
    this.length = grown.length;
    return this.values[t - 1]!;
  }
}

/** The tables kept for later runs: a sweep over β makes a table per value, so the oldest are let go. */
const MAX_TABLES = 8;
const tables = new Map<number, PowerTable>();

/** The powers of `base` (a run takes its two tables once, then reads `at(t)` every step). */
export function betaPowers(base: number): PowerTable {
  let table = tables.get(base);
  if (table === undefined) {
    table = new PowerTable(base);
    tables.set(base, table);
    if (tables.size > MAX_TABLES) tables.delete(tables.keys().next().value!);
  }
  return table;
}
