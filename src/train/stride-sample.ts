/**
 * A bounded, deterministic sample of a long series: every value while it fits, then every 2nd,
 * 4th, … (when full, every other kept value is dropped and the stride doubles). Memory stays at
 * `capacity` doubles however long the run; the values kept are evenly spaced over the series, so
 * a median taken from them is exact up to `capacity` values and close beyond.
 */
/** The first buffer's length: a short run never grows it. */
const INITIAL_LENGTH = 64;

export class StrideSample {
  /**
   * Grown by doubling up to `capacity` as values come: a run takes two of these with a capacity of
   * 65,536, and allocating (and zeroing) that 1 MB up front was the largest JavaScript cost of a
   * short run in a CPU profile of 300 runs of 10 steps in one process (~1 ms a run there). In a
   * sweep's workers the gain did not show above the noise (200 × 10 steps, --jobs 1: 1.60–1.74 s
   * before, 1.61–1.64 s after); a short run holds 1 KB instead of 1 MB either way.
   */
  private buffer: Float64Array;
  private size = 0;
  private stride = 1;
  private seen = 0;

  constructor(private readonly capacity: number) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error('StrideSample capacity must be an even number ≥ 2');
    this.buffer = new Float64Array(Math.min(capacity, INITIAL_LENGTH));
  }

  push(value: number): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.size === this.buffer.length && this.size < this.capacity) {
      const grown = new Float64Array(Math.min(this.capacity, this.buffer.length * 2));
      grown.set(this.buffer);
      this.buffer = grown;
    }
    if (this.size === this.capacity) {
      // Keep values 0, 2, 4, …: those at multiples of the doubled stride.
      for (let i = 0; i < this.size / 2; i++) this.buffer[i] = this.buffer[2 * i]!;
      this.size /= 2;
      this.stride *= 2;
      if ((this.seen - 1) % this.stride !== 0) return;
    }
    this.buffer[this.size++] = value;
  }

  /** The kept values, in order (a view: valid until the next push). */
  values(): Float64Array {
    return this.buffer.subarray(0, this.size);
  }
}
