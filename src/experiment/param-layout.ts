/**
 * Where each named parameter tensor lives in the flat parameter vector every engine, combiner and
 * optimizer works on. Names and shapes follow PyTorch's `state_dict` (Linear weights [out][in]),
 * so `--init` files and `final-params.json` read the same in both worlds.
 */
export interface ParamEntry {
  readonly name: string;
  /** Shape in the state_dict (PyTorch convention: Linear weight [out][in]). */
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  /**
   * The flat vector holds this 2-D tensor transposed (row-major [in][out], TensorFlow's Dense
   * kernel layout) so an engine can use it without copying; state_dict I/O transposes.
   */
  readonly transposed: boolean;
}

export interface ParamLayout {
  readonly entries: readonly ParamEntry[];
  readonly size: number;
}

export function computeParamLayout(tensors: ReadonlyArray<{ name: string; shape: readonly number[]; transposed?: boolean }>): ParamLayout {
  const entries: ParamEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const transposed = t.transposed === true;
    if (transposed && t.shape.length !== 2) throw new Error(`only 2-D tensors can be stored transposed (${t.name})`);
    entries.push({ name: t.name, shape: [...t.shape], offset, size, transposed });
    offset += size;
  }
  return { entries, size: offset };
}

/**
 * 1 at every flat index of the named tensors, 0 elsewhere; or the names the layout lacks.
 */
export function computeParamMask(layout: ParamLayout, names: readonly string[]): { mask: Uint8Array } | { unknown: string[] } {
  const known = new Map(layout.entries.map((e) => [e.name, e]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) return { unknown };
  const mask = new Uint8Array(layout.size);
  for (const n of names) {
    const e = known.get(n)!;
    mask.fill(1, e.offset, e.offset + e.size);
  }
  return { mask };
}

/** A state_dict as plain JSON: name → nested arrays in row-major order. */
export type StateDict = Record<string, unknown>;

/** Flat vector → state_dict with nested arrays of the layout's shapes. */
export function toStateDict(layout: ParamLayout, params: ArrayLike<number>): StateDict {
  const out: StateDict = {};
  for (const e of layout.entries) {
    out[e.name] = e.transposed ? nest(transpose(params, e.offset, e.shape[1]!, e.shape[0]!), 0, e.shape) : nest(params, e.offset, e.shape);
  }
  return out;
}

/** The rows × cols row-major block at `offset`, transposed into a new cols × rows array. */
function transpose(flat: ArrayLike<number>, offset: number, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = flat[offset + r * cols + c]!;
  return out;
}

function nest(flat: ArrayLike<number>, offset: number, shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[offset];
  const [n, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(nest(flat, offset + i * stride, rest));
  return out;
}

/**
 * state_dict → flat vector in the layout's order. Tensors are matched by name; when the names
 * differ (a PyTorch model's `fc1.weight` against a tfjs model's `0.weight`) but there are as many
 * tensors as the layout has, they are matched in order ("layer order"), shapes checked. Returns a
 * list of problems instead of throwing: each names the tensor and what was expected.
 */
export function fromStateDict(layout: ParamLayout, dict: StateDict): { params: Float64Array } | { problems: string[] } {
  const names = Object.keys(dict);
  const byName = layout.entries.every((e) => e.name in dict);
  const byOrder = !byName && names.length === layout.entries.length;
  const problems: string[] = [];
  if (!byName && !byOrder) {
    const missing = layout.entries.filter((e) => !(e.name in dict)).map((e) => `"${e.name}" [${e.shape.join(',')}]`);
    const expected = new Set(layout.entries.map((e) => e.name));
    const unexpected = names.filter((n) => !expected.has(n)).map((n) => `"${n}"`);
    problems.push(`missing ${listSome(missing)}`);
    if (unexpected.length > 0) problems.push(`unexpected ${listSome(unexpected)}`);
    problems.push(`expected ${layout.entries.length} tensors by name or in layer order, found ${names.length}`);
    return { problems };
  }
  const params = new Float64Array(layout.size);
  layout.entries.forEach((e, i) => {
    const key = byName ? e.name : names[i]!;
    const flat: number[] = [];
    const problem = flatten(dict[key], e.shape, flat, key);
    if (problem === 'shape') {
      const which = byName ? `"${key}"` : `"${key}" (tensor ${i + 1}, matched by order to ${e.name})`;
      problems.push(`tensor ${which} must have shape [${e.shape.join(',')}] (nested arrays of finite numbers)`);
      return;
    }
    if (problem !== null) {
      problems.push(problem);
      return;
    }
    params.set(e.transposed ? transpose(flat, 0, e.shape[0]!, e.shape[1]!) : flat, e.offset);
  });
  if (byName && names.length > layout.entries.length) {
    const expected = new Set(layout.entries.map((e) => e.name));
    for (const name of names) if (!expected.has(name)) problems.push(`unexpected tensor "${name}"`);
  }
  return problems.length > 0 ? { problems } : { params };
}

/** At most five items, then how many more: keeps a message on one readable line. */
function listSome(items: string[]): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}

/**
 * Appends the tensor's numbers to `out`; null when it fits, 'shape' when its nesting or lengths
 * do not, else what is wrong with its first bad entry, by index (`fc1.weight[2][0] is NaN; …`).
 * The whole shape is checked before any entry, so a wrong shape is never reported as a bad value.
 */
function flatten(value: unknown, shape: readonly number[], out: number[], at: string): string | null {
  if (!hasShape(value, shape)) return 'shape';
  if (shape.length === 0) {
    if (typeof value !== 'number') {
      const what = typeof value === 'string' ? `a string (${JSON.stringify(value)})` : value === null ? 'null' : typeof value;
      return `${at} is ${what}, not a number`;
    }
    // Python's json.dumps writes a NaN weight as a bare NaN; it would poison every step from the first.
    if (!Number.isFinite(value)) return `${at} is ${value}; initial weights must be finite`;
    out.push(value);
    return null;
  }
  const rest = shape.slice(1);
  for (let i = 0; i < shape[0]!; i++) {
    const problem = flatten((value as unknown[])[i], rest, out, `${at}[${i}]`);
    if (problem !== null) return problem;
  }
  return null;
}

/** Nested arrays of the given lengths, with no array where a number belongs. */
function hasShape(value: unknown, shape: readonly number[]): boolean {
  if (shape.length === 0) return !Array.isArray(value);
  if (!Array.isArray(value) || value.length !== shape[0]) return false;
  const rest = shape.slice(1);
  return value.every((v) => hasShape(v, rest));
}
