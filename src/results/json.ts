/**
 * The JSON spelling of every results file (and of --init files): non-finite numbers survive the
 * round trip, and Python's json.dumps output reads. Pure: text in, values out.
 */
/**
 * JSON that keeps non-finite numbers: JSON.stringify writes NaN and ±Infinity as null, which
 * would turn a diverged loss into "no value". Here they are written as the strings "NaN",
 * "Infinity" and "-Infinity" and read back as numbers.
 */
export function stringifyJson(value: unknown): string {
  // The replacer is a call from V8's serializer into JS for every value: most results files have no
  // non-finite number, and a walk to find that out first is cheaper. Measured on a run's
  // config.json (what `plan` hashes 100,000 times): 15 → 8–10 µs a config; the text is the same.
  if (!containsNonFinite(value)) return `${JSON.stringify(value, null, 2)}\n`;
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

function containsNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  // toJSON (a Date) decides its own output: the replacer path handles whatever it returns.
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (containsNonFinite(x)) return true;
    return false;
  }
  for (const k in v) if (containsNonFinite((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function parseJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

/** A JSON string (consumed whole, so nothing inside it matches), or a bare non-finite token. */
const BARE_TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/**
 * JSON as Python's json.dumps writes it by default: bare `NaN`, `Infinity` and `-Infinity` tokens
 * (not JSON) read as those numbers; everything else exactly as JSON.parse reads it. A file without
 * them takes the plain path; otherwise each bare token outside a string is quoted, which parseJson
 * reads back as the number (the regex consumes whole strings first, so text inside them is kept).
 */
export function parsePythonJson(text: string): unknown {
  try {
    return parseJson(text);
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  try {
    return parseJson(text.replace(BARE_TOKENS, (m) => (m.startsWith('"') ? m : `"${m}"`)));
  } catch (err) {
    // Quoting shifted the text: the error again, from numbers of the tokens' own lengths
    // (`NaN` → `1.0`), so its position is the position in the user's file.
    const sameLength = (m: string) => (m.startsWith('-') ? `-1.${'0'.repeat(m.length - 3)}` : `1.${'0'.repeat(m.length - 2)}`);
    JSON.parse(text.replace(BARE_TOKENS, (m) => (m.startsWith('"') ? m : sameLength(m))));
    throw err;
  }
}
