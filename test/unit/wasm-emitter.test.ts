/**
 * The hand-written WebAssembly emitter (src/engine/fused/wasm/wasm-emitter.ts): its LEB128, and
 * modules it builds validate and compute, lane by lane, exactly the float64 values JS computes.
 */
import { describe, expect, it } from 'vitest';
import { F64, FunctionBuilder, I32, ModuleBuilder, V128, sleb, uleb, wasmApi, type WasmMemory } from '../../src/engine/fused/wasm/wasm-emitter.js';

function instantiate(mod: ModuleBuilder, imports?: object): Record<string, unknown> {
  const bytes = mod.encode();
  expect(wasmApi.validate(bytes)).toBe(true);
  return new wasmApi.Instance(new wasmApi.Module(bytes), imports).exports;
}

/** Doubles where rounding, signs and specials show: ±0, subnormals, huge, NaN, ±∞. */
const VALUES = [
  0,
  -0,
  1,
  -1,
  0.1,
  1 / 3,
  -2.5e-308,
  5e-324,
  1.7976931348623157e308,
  3.141592653589793,
  -1e-3,
  12345.678,
  NaN,
  Infinity,
  -Infinity,
  2 ** -30,
  0.7,
];

function bits(x: number): bigint {
  return new BigUint64Array(Float64Array.of(x).buffer)[0]!;
}

/** Equal as doubles: same bits, or both NaN (wasm does not promise NaN payloads, nor does JS). */
function sameDouble(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || bits(a) === bits(b);
}

describe('LEB128', () => {
  it('encodes the specification examples', () => {
    const u = (v: number): number[] => {
      const out: number[] = [];
      uleb(out, v);
      return out;
    };
    const s = (v: number): number[] => {
      const out: number[] = [];
      sleb(out, v);
      return out;
    };
    expect(u(0)).toEqual([0]);
    expect(u(127)).toEqual([0x7f]);
    expect(u(128)).toEqual([0x80, 0x01]);
    expect(u(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(u(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(s(0)).toEqual([0]);
    expect(s(63)).toEqual([0x3f]);
    expect(s(64)).toEqual([0xc0, 0x00]);
    expect(s(-1)).toEqual([0x7f]);
    expect(s(-64)).toEqual([0x40]);
    expect(s(-65)).toEqual([0xbf, 0x7f]);
    expect(s(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(() => u(-1)).toThrow();
  });
});

describe('modules', () => {
  it('an empty module and a function of no instructions validate', () => {
    const mod = new ModuleBuilder({ export: 'memory', pages: 1 });
    mod.addFunction('nop', new FunctionBuilder([], []));
    const exports = instantiate(mod);
    expect((exports['memory'] as WasmMemory).buffer.byteLength).toBe(65536);
    expect(() => (exports['nop'] as () => void)()).not.toThrow();
  });

  it('a type error is refused by WebAssembly.validate (it checks what the emitter does not)', () => {
    const mod = new ModuleBuilder({ export: 'memory', pages: 1 });
    // f64.add on an empty stack.
    mod.addFunction('bad', new FunctionBuilder([], [F64]).f64Add());
    expect(wasmApi.validate(mod.encode())).toBe(false);
  });

  it('f64 scalar arithmetic, constants and params', () => {
    const mod = new ModuleBuilder({ export: 'memory', pages: 1 });
    // √((a + b)·(a + b)) − b/3, through local.tee.
    const f = new FunctionBuilder([F64, F64], [F64]);
    f.localGet(0).localGet(1).f64Add().localTee(0).localGet(0).f64Mul().f64Sqrt().localGet(1).f64Const(3).f64Div().f64Sub();
    mod.addFunction('f', f);
    const fn = instantiate(mod)['f'] as (a: number, b: number) => number;
    for (const a of VALUES) for (const b of VALUES) expect(sameDouble(fn(a, b), Math.sqrt((a + b) * (a + b)) - b / 3)).toBe(true);
  });

  it('f64x2 operations lane by lane equal JS float64 operations', () => {
    // Each function: v128 at 0 and at 16 → result at 32 (binary) or v128 at 0 → 32 (unary).
    const binary = {
      add: [(f: FunctionBuilder) => f.f64x2Add(), (a: number, b: number) => a + b],
      sub: [(f: FunctionBuilder) => f.f64x2Sub(), (a: number, b: number) => a - b],
      mul: [(f: FunctionBuilder) => f.f64x2Mul(), (a: number, b: number) => a * b],
      div: [(f: FunctionBuilder) => f.f64x2Div(), (a: number, b: number) => a / b],
    } as const;
    const unary = {
      sqrt: [(f: FunctionBuilder) => f.f64x2Sqrt(), Math.sqrt],
      neg: [(f: FunctionBuilder) => f.f64x2Neg(), (a: number) => -a],
      abs: [(f: FunctionBuilder) => f.f64x2Abs(), Math.abs],
    } as const;
    const mod = new ModuleBuilder({ export: 'memory', pages: 1 });
    for (const [key, [emit]] of Object.entries(binary)) {
      const f = new FunctionBuilder([], []);
      f.i32Const(32).i32Const(0).v128Load(0).i32Const(0).v128Load(16);
      emit(f);
      mod.addFunction(key, f.v128Store(0));
    }
    for (const [key, [emit]] of Object.entries(unary)) {
      const f = new FunctionBuilder([], []);
      f.i32Const(0).i32Const(0).v128Load(0);
      emit(f);
      mod.addFunction(key, f.v128Store(32));
    }
    const exports = instantiate(mod);
    const mem = new Float64Array((exports['memory'] as WasmMemory).buffer);
    for (const a of VALUES) {
      for (const b of VALUES) {
        // Lane 0 gets (a, b), lane 1 (b, a): the lanes are independent.
        mem.set([a, b, b, a], 0);
        for (const [key, [, js]] of Object.entries(binary)) {
          (exports[key] as () => void)();
          expect([key, sameDouble(mem[4]!, js(a, b)), sameDouble(mem[5]!, js(b, a))]).toEqual([key, true, true]);
        }
        for (const [key, [, js]] of Object.entries(unary)) {
          (exports[key] as () => void)();
          expect([key, sameDouble(mem[4]!, js(a)), sameDouble(mem[5]!, js(b))]).toEqual([key, true, true]);
        }
      }
    }
  });

  it('comparisons and bitselect give JS conditionals, −0 and NaN included; constants and splat keep every bit', () => {
    const mod = new ModuleBuilder({ export: 'memory', pages: 1 });
    // relu as the lane kernel writes it: bitselect(0, z, z < 0), and the other comparisons as masks picking 1 or 2.
    const relu = new FunctionBuilder([], []);
    relu.i32Const(32).f64x2Const(0).i32Const(0).v128Load(0).i32Const(0).v128Load(0).f64x2Const(0).f64x2Lt().v128Bitselect().v128Store(0);
    mod.addFunction('relu', relu);
    const cmps = { lt: 'f64x2Lt', gt: 'f64x2Gt', le: 'f64x2Le', ge: 'f64x2Ge', eq: 'f64x2Eq' } as const;
    for (const [key, method] of Object.entries(cmps)) {
      const f = new FunctionBuilder([], []);
      f.i32Const(32).f64x2Const(1).f64x2Const(2).i32Const(0).v128Load(0).i32Const(0).v128Load(16);
      f[method]();
      mod.addFunction(key, f.v128Bitselect().v128Store(0));
    }
    const splat = new FunctionBuilder([F64], []);
    splat.i32Const(48).localGet(0).f64x2Splat().v128Store(0);
    mod.addFunction('splat', splat);
    const lanes = new FunctionBuilder([], [F64]);
    lanes.f64x2Const(-0, 5e-324).f64x2ExtractLane(1).f64x2Const(-0, 5e-324).f64x2ExtractLane(0).f64Add();
    mod.addFunction('lanes', lanes);
    const exports = instantiate(mod);
    const mem = new Float64Array((exports['memory'] as WasmMemory).buffer);
    const js = {
      lt: (a: number, b: number) => a < b,
      gt: (a: number, b: number) => a > b,
      le: (a: number, b: number) => a <= b,
      ge: (a: number, b: number) => a >= b,
      eq: (a: number, b: number) => a === b,
    };
    for (const a of VALUES) {
      for (const b of VALUES) {
        mem.set([a, b, b, a], 0);
        (exports['relu'] as () => void)();
        expect(sameDouble(mem[4]!, a < 0 ? 0 : a) && sameDouble(mem[5]!, b < 0 ? 0 : b)).toBe(true);
        for (const key of Object.keys(cmps) as (keyof typeof cmps)[]) {
          mem.set([a, b, b, a], 0);
          (exports[key] as () => void)();
          expect([key, a, b, mem[4], mem[5]]).toEqual([key, a, b, js[key](a, b) ? 1 : 2, js[key](b, a) ? 1 : 2]);
        }
      }
      (exports['splat'] as (x: number) => void)(a);
      expect(sameDouble(mem[6]!, a) && sameDouble(mem[7]!, a)).toBe(true);
    }
    expect((exports['lanes'] as () => number)()).toBe(5e-324);
  });

  it('a loop with br_if and i32 addressing: sums n vectors', () => {
    const mod = new ModuleBuilder({ import: ['env', 'memory'], pages: 1 });
    // acc = 0 + v[0] + v[1] + … + v[n−1] (v at 16, 32, …), stored at 0.
    const f = new FunctionBuilder([I32], []);
    const ptr = f.local(I32);
    const end = f.local(I32);
    const acc = f.local(V128);
    f.f64x2Const(0).localSet(acc);
    f.i32Const(16).localSet(ptr);
    f.localGet(0).i32Const(16).i32Mul().i32Const(16).i32Add().localSet(end);
    f.block().loop();
    f.localGet(ptr).localGet(end).i32GeU().brIf(1);
    f.localGet(acc).localGet(ptr).v128Load(0).f64x2Add().localSet(acc);
    f.localGet(ptr).i32Const(16).i32Add().localSet(ptr);
    f.br(0).end().end();
    f.i32Const(0).localGet(acc).v128Store(0);
    mod.addFunction('sum', f);
    const memory = new wasmApi.Memory({ initial: 1 });
    const exports = instantiate(mod, { env: { memory } });
    const mem = new Float64Array(memory.buffer);
    const xs = Array.from({ length: 40 }, (_, i) => [Math.sin(i) * 1e3, 1 / (i + 1)] as const);
    xs.forEach(([a, b], i) => mem.set([a, b], 2 + 2 * i));
    (exports['sum'] as (n: number) => void)(xs.length);
    let s0 = 0;
    let s1 = 0;
    for (const [a, b] of xs) {
      s0 += a;
      s1 += b;
    }
    expect([mem[0], mem[1]]).toEqual([s0, s1]);
    (exports['sum'] as (n: number) => void)(0);
    expect([mem[0], mem[1]]).toEqual([0, 0]);
  });
});
