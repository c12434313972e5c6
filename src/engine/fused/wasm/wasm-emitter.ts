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

/** Unsigned LEB128. */
export function uleb(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`uleb: not an unsigned integer: ${value}`);
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 (i32.const's immediate). */
export function sleb(out: number[], value: number): void {
  if (!Number.isSafeInteger(value)) throw new Error(`sleb: not an integer: ${value}`);
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** The 8 little-endian bytes of a double, as f64.const and v128.const carry it (every bit kept, -0 and NaN payloads too). */
function f64Bytes(out: number[], x: number): void {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  for (let i = 0; i < 8; i++) out.push(view.getUint8(i));
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
  readonly code: number[] = [];
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

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }

  /** memarg: alignment as log2 bytes, then the constant offset added to the address operand. */
  private memarg(align: number, offset: number): this {
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  // Control.
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  /** `if` without a result: pops an i32, runs what follows up to `end` (or `else`) when it is non-zero. */
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    uleb(this.code, depth);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    uleb(this.code, depth);
    return this;
  }

  // Locals.
  localGet(i: number): this {
    this.op(0x20);
    uleb(this.code, i);
    return this;
  }
  localSet(i: number): this {
    this.op(0x21);
    uleb(this.code, i);
    return this;
  }
  localTee(i: number): this {
    this.op(0x22);
    uleb(this.code, i);
    return this;
  }

  // i32 (addresses, counters).
  i32Const(v: number): this {
    this.op(0x41);
    sleb(this.code, v);
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
    this.op(0x44);
    f64Bytes(this.code, x);
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
    f64Bytes(this.code, lane0);
    f64Bytes(this.code, lane1);
    return this;
  }
  f64x2Splat(): this {
    return this.simd(SIMD.f64x2_splat);
  }
  f64x2ExtractLane(lane: 0 | 1): this {
    this.simd(SIMD.f64x2_extract_lane);
    this.code.push(lane);
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
  encode(out: number[]): void {
    const body: number[] = [];
    const runs: [number, ValType][] = [];
    for (const t of this.locals) {
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun[1] === t) lastRun[0]++;
      else runs.push([1, t]);
    }
    uleb(body, runs.length);
    for (const [count, t] of runs) {
      uleb(body, count);
      body.push(t);
    }
    for (const b of this.code) body.push(b);
    body.push(0x0b);
    uleb(out, body.length);
    for (const b of body) out.push(b);
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
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, fill: (s: number[]) => void): void => {
      const s: number[] = [];
      fill(s);
      out.push(id);
      uleb(out, s.length);
      for (const b of s) out.push(b);
    };
    section(1, (s) => {
      uleb(s, this.types.length);
      for (const sig of this.types) {
        const [params, results] = JSON.parse(sig) as [number[], number[]];
        s.push(0x60);
        uleb(s, params.length);
        s.push(...params);
        uleb(s, results.length);
        s.push(...results);
      }
    });
    const mem = this.memory;
    if ('import' in mem) {
      section(2, (s) => {
        uleb(s, 1);
        name(s, mem.import[0]);
        name(s, mem.import[1]);
        s.push(0x02, 0x00);
        uleb(s, mem.pages);
      });
    }
    section(3, (s) => {
      uleb(s, this.functions.length);
      for (const f of this.functions) uleb(s, f.type);
    });
    if ('export' in mem) {
      section(5, (s) => {
        uleb(s, 1);
        s.push(0x00);
        uleb(s, mem.pages);
      });
    }
    section(7, (s) => {
      uleb(s, this.functions.length + ('export' in mem ? 1 : 0));
      this.functions.forEach((f, i) => {
        name(s, f.name);
        s.push(0x00);
        uleb(s, i);
      });
      if ('export' in mem) {
        name(s, mem.export);
        s.push(0x02);
        uleb(s, 0);
      }
    });
    section(10, (s) => {
      uleb(s, this.functions.length);
      for (const f of this.functions) f.body.encode(s);
    });
    return Uint8Array.from(out);
  }
}
