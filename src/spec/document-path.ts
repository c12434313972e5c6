/**
 * Reading and writing a spec document by dotted key (`optimizer.lr`). Pure; mutates only the
 * document it is given.
 */

/** Mappings that may be written as a bare name: `experiment: seed` is `{base: seed}`, `optimizer: adam` is `{name: adam}`. */
export const NAME_FIELDS: Readonly<Record<string, string>> = { experiment: 'base', optimizer: 'name', combine: 'name' };

type Doc = Record<string, unknown>;

function isMapping(v: unknown): v is Doc {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The mapping a value stands for, if it is one or a bare name of one. */
function asMapping(parentKey: string, v: unknown): Doc | undefined {
  if (isMapping(v)) return v;
  const field = NAME_FIELDS[parentKey];
  if (field !== undefined && typeof v === 'string') return { [field]: v };
  return undefined;
}

export function getAt(doc: Doc, key: string): unknown {
  const segs = key.split('.');
  let cur: unknown = doc;
  let path = '';
  for (const seg of segs) {
    const m = path === '' ? (cur as Doc) : asMapping(path, cur);
    if (!m || !Object.hasOwn(m, seg)) return undefined;
    cur = m[seg];
    path = path === '' ? seg : `${path}.${seg}`;
  }
  return cur;
}

/**
 * Sets `key`, creating mappings on the way; a bare name on the way becomes its mapping
 * (`experiment: seed` + `experiment.target=3` → `{base: seed, target: 3}`), and any other
 * non-mapping on the way is replaced (the value being set wins).
 */
export function setAt(doc: Doc, key: string, value: unknown): void {
  const segs = key.split('.');
  let cur: Doc = doc;
  let path = '';
  for (const seg of segs.slice(0, -1)) {
    path = path === '' ? seg : `${path}.${seg}`;
    const next = asMapping(path, cur[seg]) ?? {};
    cur[seg] = next;
    cur = next;
  }
  cur[segs[segs.length - 1]!] = value;
}

/** Removes `key` if present, and any mapping it leaves empty. */
export function deleteAt(doc: Doc, key: string): void {
  if (getAt(doc, key) === undefined) return;
  const segs = key.split('.');
  const parents: [Doc, string][] = [];
  let cur: Doc = doc;
  let path = '';
  for (const seg of segs.slice(0, -1)) {
    path = path === '' ? seg : `${path}.${seg}`;
    const next = asMapping(path, cur[seg]);
    if (!next) return;
    cur[seg] = next;
    parents.push([cur, seg]);
    cur = next;
  }
  delete cur[segs[segs.length - 1]!];
  for (let i = parents.length - 1; i >= 0; i--) {
    const [parent, seg] = parents[i]!;
    if (Object.keys(parent[seg] as Doc).length === 0) delete parent[seg];
  }
}
