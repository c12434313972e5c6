/**
 * A bounded, deterministic sample of a long series: every value while it fits, then every 2nd,
 * 4th, … (when full, every other kept value is dropped and the stride doubles). Memory stays at
 * `capacity` doubles however long the run; the values kept are evenly spaced over the series, so
 * a median taken from them is exact up to `capacity` values and close beyond.
 */
export class StrideSample {
  private readonly buffer: Float64Array;
  private size = 0;
  private stride = 1;
  private seen = 0;

  constructor(capacity: number) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error('StrideSample capacity must be an even number ≥ 2');
    this.buffer = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.size === this.buffer.length) {
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
