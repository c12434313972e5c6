/**
 * PyTorch's CPU random generator, bit for bit: `torch.manual_seed(s)` seeds a 32-bit Mersenne
 * Twister (MT19937), and `Tensor.uniform_(from, to)` on a float32 tensor turns each 32-bit draw
 * into `(draw & (2²⁴−1)) · 2⁻²⁴ · (to − from) + from` in float32 arithmetic (fused multiply-add,
 * one rounding). Reproducing it means `seed: s` here starts from exactly the weights and features
 * of a PyTorch script that called `torch.manual_seed(s)`; test/unit/fused-reference.test.ts checks that
 * against the init of every reference trajectory.
 */
export class TorchGenerator {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    // torch seeds with the low 32 bits of its 64-bit seed.
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  /** The next raw 32-bit output of MT19937 (torch's `generator->random()`). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** One float32 draw from U[from, to), as `torch.empty(n, dtype=torch.float32).uniform_(from, to)`. */
  uniformFloat32(from: number, to: number): number {
    const f = Math.fround;
    const lo = f(from);
    const span = f(f(to) - lo);
    const x = f((this.nextUint32() & 0xffffff) * 5.9604644775390625e-8); // 2⁻²⁴
    // x·span is exact in float64 (24 × 24 bits), so one fround gives the fused multiply-add.
    return f(x * span + lo);
  }

  /** `count` draws, in order, as a float32 `uniform_` over a tensor of that many elements. */
  fillUniformFloat32(out: Float64Array | number[], from: number, to: number, offset = 0, count = out.length - offset): void {
    for (let i = 0; i < count; i++) out[offset + i] = this.uniformFloat32(from, to);
  }

  private twist(): void {
    const mt = this.state;
    for (let k = 0; k < 624; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % 624]! & 0x7fffffff);
      mt[k] = mt[(k + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }
}
