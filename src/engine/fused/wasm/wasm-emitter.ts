/**
 * A minimal WebAssembly binary emitter: just enough of the format (LEB128, the type, import,
 * function, memory, export and code sections) and of the instruction set (locals, f64 and v128
 * loads/stores, f64x2 arithmetic and comparisons, v128 masks (bitselect, and/or/not, any_true), constants, i32 addressing,
 * block/loop/if/br_if) for the lane kernels of lane-codegen.ts.
 *
 * Why by hand: the generated kernels use ~40 opcodes, and every worker process compiles its own.
 * binaryen was measured here at 104 MB installed and ~1.2 s to load under load, wabt at 5.5 MB and
 * ~0.1 s per process — both paid by every worker before its first step, for a few hundred lines
 * of encoding. Modules are checked with `WebAssembly.validate` in test/unit/wasm-emitter.test.ts.
 *
 * Nothing here interprets the code it emits: stack typing is the caller's business (an invalid
 * module is refused by `WebAssembly.validate` / `new WebAssembly.Module`, never run).
 */

/** Value types (binary encoding). */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

/** The subset of the JS WebAssembly API used here (the Node types of this project declare none). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/**
 * A growable byte buffer: what every builder writes into. The kernel is generated once per worker
 * process, in cold code (the interpreter, not yet optimized), so what counts is work per byte:
 * with number[] buffers — a new DataView per constant, a rest-parameter array per instruction,
 * every body copied byte by byte into its section and the sections into the module — the seed
 * model's 38 KB kernel took ~52 ms to generate in a fresh process (idle 2-core VM; ~75 ms in a
 * sweep's worker, booting next to another). Bytes go straight into a Uint8Array here, blocks are
 * copied with `set`, and a constant's 8 bytes come through one shared Float64Array: ~11 ms
 * (fresh processes, old and new back to back ten times, load 3.6: medians 46 → 11 ms; same bytes).
 */
export class ByteWriter {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Room for `n` more bytes (doubling: each byte is copied O(1) times on average). */
  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }

  byte(b: number): void {
    if (this.length === this.buf.length) this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes2(b0: number, b1: number): void {
    if (this.length + 2 > this.buf.length) this.reserve(2);
    this.buf[this.length++] = b0;
    this.buf[this.length++] = b1;
  }

  bytes3(b0: number, b1: number, b2: number): void {
    if (this.length + 3 > this.buf.length) this.reserve(3);
    this.buf[this.length++] = b0;
    this.buf[this.length++] = b1;
    this.buf[this.length++] = b2;
  }

  /** Everything written into `other`, appended. */
  append(other: ByteWriter): void {
    this.reserve(other.length);
    this.buf.set(other.buf.subarray(0, other.length), this.length);
    this.length += other.length;
  }

  /** Unsigned LEB128. */
  uleb(value: number): void {
    // Almost every immediate (local indices, opcodes, offsets) is a small non-negative integer.
    if (value >>> 0 === value && value < 0x80) return this.byte(value);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`uleb: not an unsigned integer: ${value}`);
    let v = value;
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) byte |= 0x80;
      this.byte(byte);
    } while (v !== 0);
  }

  /** Signed LEB128 (i32.const's immediate). */
  sleb(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`sleb: not an integer: ${value}`);
    let v = value;
    for (;;) {
      const byte = v & 0x7f;
      v = Math.floor(v / 128);
      const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
      this.byte(done ? byte : byte | 0x80);
      if (done) return;
    }
  }

  /** The 8 little-endian bytes of a double, as f64.const and v128.const carry it (every bit kept, -0 and NaN payloads too). */
  f64(x: number): void {
    f64Scratch[0] = x;
    this.reserve(8);
    if (LITTLE_ENDIAN) this.buf.set(f64ScratchBytes, this.length);
    else for (let i = 0; i < 8; i++) this.buf[this.length + i] = f64ScratchBytes[7 - i]!;
    this.length += 8;
  }

  /** A name: its UTF-8 bytes, counted. */
  name(s: string): void {
    // ASCII names ('run', 'memory') byte by byte: a first TextEncoder costs a worker ~4 ms (measured with --cpu-prof).
    if (/^[\x00-\x7f]*$/.test(s)) {
      this.uleb(s.length);
      for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
      return;
    }
    const bytes = new TextEncoder().encode(s);
    this.uleb(bytes.length);
    this.reserve(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** The bytes written (a copy: the writer may go on). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const f64Scratch = new Float64Array(1);
const f64ScratchBytes = new Uint8Array(f64Scratch.buffer);
// A Float64Array stores in the platform's byte order; wasm wants little-endian (1.0 is 00 … f0 3f).
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

/** Unsigned LEB128, appended to `out`. */
export function uleb(out: number[], value: number): void {
  const w = new ByteWriter(10);
  w.uleb(value);
  for (const b of w.toBytes()) out.push(b);
}

/** Signed LEB128 (i32.const's immediate), appended to `out`. */
export function sleb(out: number[], value: number): void {
  const w = new ByteWriter(10);
  w.sleb(value);
  for (const b of w.toBytes()) out.push(b);
}

/** SIMD opcodes (after the 0xfd prefix), from the WebAssembly SIMD proposal's binary encoding. */
const SIMD = {
  v128_load: 0x00,
  v128_store: 0x0b,
  v128_const: 0x0c,
  f64x2_splat: 0x14,
  f64x2_extract_lane: 0x21,
  f64x2_eq: 0x47,
  f64x2_lt: 0x49,
  f64x2_gt: 0x4a,
  f64x2_le: 0x4b,
  f64x2_ge: 0x4c,
  v128_not: 0x4d,
  v128_and: 0x4e,
  v128_andnot: 0x4f,
  v128_or: 0x50,
  v128_bitselect: 0x52,
  v128_any_true: 0x53,
  f64x2_abs: 0xec,
  f64x2_neg: 0xed,
  f64x2_sqrt: 0xef,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  f64x2_div: 0xf3,
  f64x2_min: 0xf4,
  f64x2_max: 0xf5,
} as const;

/**
 * One function's body. Parameters are locals 0..n-1; `local(type)` declares more. Every method
 * appends one instruction (and returns `this`, so straight-line code reads as a chain).
 */
export class FunctionBuilder {
  private readonly code = new ByteWriter(4096);
  private readonly locals: ValType[] = [];

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** A new local of `type`: its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get localCount(): number {
    return this.locals.length;
  }

  private op(opcode: number): this {
    this.code.byte(opcode);
    return this;
  }

  /** An opcode and its one unsigned immediate (a local, a branch depth). */
  private opU(opcode: number, immediate: number): this {
    if (immediate >>> 0 === immediate && immediate < 0x80) this.code.bytes2(opcode, immediate);
    else {
      this.code.byte(opcode);
      this.code.uleb(immediate);
    }
    return this;
  }

  /** 0xfd and the SIMD opcode as an unsigned LEB128 (every one used here is below 2^14: one or two bytes). */
  private simd(opcode: number): this {
    if (opcode < 0x80) this.code.bytes2(0xfd, opcode);
    else this.code.bytes3(0xfd, (opcode & 0x7f) | 0x80, opcode >> 7);
    return this;
  }

  /** memarg: alignment as log2 bytes, then the constant offset added to the address operand. */
  private memarg(align: number, offset: number): this {
    this.code.uleb(align);
    this.code.uleb(offset);
    return this;
  }

  // Control.
  block(): this {
    this.code.bytes2(0x02, 0x40);
    return this;
  }
  loop(): this {
    this.code.bytes2(0x03, 0x40);
    return this;
  }
  /** `if` without a result: pops an i32, runs what follows up to `end` (or `else`) when it is non-zero. */
  if(): this {
    this.code.bytes2(0x04, 0x40);
    return this;
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.opU(0x0c, depth);
  }
  brIf(depth: number): this {
    return this.opU(0x0d, depth);
  }

  // Locals.
  localGet(i: number): this {
    return this.opU(0x20, i);
  }
  localSet(i: number): this {
    return this.opU(0x21, i);
  }
  localTee(i: number): this {
    return this.opU(0x22, i);
  }

  // i32 (addresses, counters).
  i32Const(v: number): this {
    this.code.byte(0x41);
    this.code.sleb(v);
    return this;
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32Or(): this {
    return this.op(0x72);
  }

  // f64 scalar.
  f64Load(offset: number): this {
    return this.op(0x2b).memarg(3, offset);
  }
  f64Store(offset: number): this {
    return this.op(0x39).memarg(3, offset);
  }
  f64Const(x: number): this {
    this.code.byte(0x44);
    this.code.f64(x);
    return this;
  }
  f64Add(): this {
    return this.op(0xa0);
  }
  f64Sub(): this {
    return this.op(0xa1);
  }
  f64Mul(): this {
    return this.op(0xa2);
  }
  f64Div(): this {
    return this.op(0xa3);
  }
  f64Sqrt(): this {
    return this.op(0x9f);
  }
  /** Pushes i32 1 when the two doubles differ (NaN differs from everything), else 0. */
  f64Ne(): this {
    return this.op(0x62);
  }

  // v128 / f64x2.
  /** 16-byte load at address operand + offset (alignment hint 16 bytes: the caller keeps vectors aligned). */
  v128Load(offset: number): this {
    return this.simd(SIMD.v128_load).memarg(4, offset);
  }
  v128Store(offset: number): this {
    return this.simd(SIMD.v128_store).memarg(4, offset);
  }
  /** A constant vector [lane0, lane1] of doubles. */
  f64x2Const(lane0: number, lane1: number = lane0): this {
    this.simd(SIMD.v128_const);
    this.code.f64(lane0);
    this.code.f64(lane1);
    return this;
  }
  f64x2Splat(): this {
    return this.simd(SIMD.f64x2_splat);
  }
  f64x2ExtractLane(lane: 0 | 1): this {
    this.simd(SIMD.f64x2_extract_lane);
    this.code.byte(lane);
    return this;
  }
  f64x2Add(): this {
    return this.simd(SIMD.f64x2_add);
  }
  f64x2Sub(): this {
    return this.simd(SIMD.f64x2_sub);
  }
  f64x2Mul(): this {
    return this.simd(SIMD.f64x2_mul);
  }
  f64x2Div(): this {
    return this.simd(SIMD.f64x2_div);
  }
  f64x2Sqrt(): this {
    return this.simd(SIMD.f64x2_sqrt);
  }
  f64x2Min(): this {
    return this.simd(SIMD.f64x2_min);
  }
  f64x2Max(): this {
    return this.simd(SIMD.f64x2_max);
  }
  f64x2Neg(): this {
    return this.simd(SIMD.f64x2_neg);
  }
  f64x2Abs(): this {
    return this.simd(SIMD.f64x2_abs);
  }
  /** Comparisons give a mask per lane: all ones where true, all zeros where false (NaN: false). */
  f64x2Eq(): this {
    return this.simd(SIMD.f64x2_eq);
  }
  f64x2Lt(): this {
    return this.simd(SIMD.f64x2_lt);
  }
  f64x2Gt(): this {
    return this.simd(SIMD.f64x2_gt);
  }
  f64x2Le(): this {
    return this.simd(SIMD.f64x2_le);
  }
  f64x2Ge(): this {
    return this.simd(SIMD.f64x2_ge);
  }
  /** Bitwise, on masks: ~a, a & b, a & ~b, a | b. */
  v128Not(): this {
    return this.simd(SIMD.v128_not);
  }
  v128And(): this {
    return this.simd(SIMD.v128_and);
  }
  v128Andnot(): this {
    return this.simd(SIMD.v128_andnot);
  }
  v128Or(): this {
    return this.simd(SIMD.v128_or);
  }
  /** Pushes i32 1 when any bit of the vector is set (a mask with some lane true), else 0. */
  v128AnyTrue(): this {
    return this.simd(SIMD.v128_any_true);
  }
  /** Stack [a, b, mask] → bits of a where mask is 1, of b where it is 0: per lane `mask ? a : b`. */
  v128Bitselect(): this {
    return this.simd(SIMD.v128_bitselect);
  }

  /** The code section entry: size, local declarations (runs of one type), instructions, end. */
  encode(out: ByteWriter): void {
    const head = new ByteWriter(64);
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun[1] === t) lastRun[0]++;
      else runs.push([1, t]);
    }
    head.uleb(runs.length);
    for (const [count, t] of runs) {
      head.uleb(count);
      head.byte(t);
    }
    out.uleb(head.length + this.code.length + 1);
    out.append(head);
    out.append(this.code);
    out.byte(0x0b);
  }
}

/** Where the module's linear memory comes from. */
export type MemorySpec =
  { readonly export: string; readonly pages: number } | { readonly import: readonly [module: string, field: string]; readonly pages: number };

/** A module of exported functions over one memory (defined and exported, or imported). */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly functions: { name: string; type: number; body: FunctionBuilder }[] = [];

  constructor(private readonly memory: MemorySpec) {}

  /** `params`, `results` are those of the body's constructor; exported as `exportName`. */
  addFunction(exportName: string, body: FunctionBuilder): void {
    const sig = JSON.stringify([body.params, body.results]);
    let type = this.types.indexOf(sig);
    if (type < 0) type = this.types.push(sig) - 1;
    this.functions.push({ name: exportName, type, body });
  }

  encode(): Uint8Array {
    const out = new ByteWriter(65536);
    for (const b of [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) out.byte(b);
    const section = (id: number, fill: (s: ByteWriter) => void): void => {
      const s = new ByteWriter();
      fill(s);
      out.byte(id);
      out.uleb(s.length);
      out.append(s);
    };
    section(1, (s) => {
      s.uleb(this.types.length);
      for (const sig of this.types) {
        const [params, results] = JSON.parse(sig) as [number[], number[]];
        s.byte(0x60);
        s.uleb(params.length);
        for (const t of params) s.byte(t);
        s.uleb(results.length);
        for (const t of results) s.byte(t);
      }
    });
    const mem = this.memory;
    if ('import' in mem) {
      section(2, (s) => {
        s.uleb(1);
        s.name(mem.import[0]);
        s.name(mem.import[1]);
        s.bytes2(0x02, 0x00);
        s.uleb(mem.pages);
      });
    }
    section(3, (s) => {
      s.uleb(this.functions.length);
      for (const f of this.functions) s.uleb(f.type);
    });
    if ('export' in mem) {
      section(5, (s) => {
        s.uleb(1);
        s.byte(0x00);
        s.uleb(mem.pages);
      });
    }
    section(7, (s) => {
      s.uleb(this.functions.length + ('export' in mem ? 1 : 0));
      this.functions.forEach((f, i) => {
        s.name(f.name);
        s.byte(0x00);
        s.uleb(i);
      });
      if ('export' in mem) {
        s.name(mem.export);
        s.byte(0x02);
        s.uleb(0);
      }
    });
    section(10, (s) => {
      s.uleb(this.functions.length);
      for (const f of this.functions) f.body.encode(s);
    });
    return out.toBytes();
  }
}
