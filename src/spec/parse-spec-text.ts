/**
 * A spec file's text into a plain mapping. YAML and JSON both go through the `yaml` package with
 * `uniqueKeys`, so a key written twice is an error in JSON too (JSON.parse would keep the last
 * one silently). Pure.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import type { Document, YAMLError } from 'yaml';
import { describeUnderflow, underflowsToZero } from './parse-values.js';
import { MAPPING_KEYS } from './settings.js';

/**
 * `yaml` is loaded on the first spec file, not at start-up: most commands have no spec file, and
 * loading it costs ~60 ms of every sweep's start (measured). Its CommonJS build keeps this sync.
 */
const requireLazily = createRequire(import.meta.url);
let yaml: typeof import('yaml') | undefined;

export type SpecTextResult = { ok: true; doc: Record<string, unknown> } | { ok: false; error: string };

const FORMATS: Readonly<Record<string, 'YAML' | 'JSON'>> = { '.yaml': 'YAML', '.yml': 'YAML', '.json': 'JSON' };

/** Aliases expanding to more nodes than this are refused (a "billion laughs" file). */
const MAX_ALIAS_COUNT = 100;

export function parseSpecText(path: string, text: string): SpecTextResult {
  const format = FORMATS[extname(path).toLowerCase()];
  if (!format) {
    return { ok: false, error: `${path}: unknown spec file type "${extname(path)}"; allowed: .yaml, .yml or .json` };
  }
  yaml ??= requireLazily('yaml') as typeof import('yaml');
  const doc = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) return { ok: false, error: renderSyntaxError(path, format, text, first) };
  const underflow = findUnderflow(doc);
  if (underflow) {
    return {
      ok: false,
      error: `${path}: ${underflow.key || '(top level)'}: ${describeUnderflow(underflow.numeral)}; allowed: finite numbers a double can hold`,
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, error: `${path}: ${(err as Error).message.split('\n')[0]}; allowed: valid ${format}` };
  }
  // An empty file (or one with only comments) is an empty spec: every setting takes its default.
  if (value === null || value === undefined) return { ok: true, doc: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value} (${JSON.stringify(value)})`;
    return {
      ok: false,
      error: `${path}: the top level is ${what}, not a mapping; allowed: a mapping of spec keys (${MAPPING_KEYS['']!.join(', ')})`,
    };
  }
  const odd = findNonPlainValue(value, '');
  if (odd !== null) {
    return {
      ok: false,
      error: `${path}: ${odd.key || '(top level)'}: a value of type ${odd.type} (from a YAML tag such as !!binary); allowed: mappings, lists, strings, numbers, true/false and null`,
    };
  }
  return { ok: true, doc: value as Record<string, unknown> };
}

/** `path:line:col: reason` on one line, with the offending key for a duplicate. */
function renderSyntaxError(path: string, format: string, text: string, err: YAMLError): string {
  const pos = err.linePos?.[0];
  const where = pos ? `${path}:${pos.line}:${pos.col}` : path;
  // prettyErrors appends " at line L, column C:" and a code excerpt on further lines.
  const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (err.code === 'DUPLICATE_KEY') {
    const key = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^:,}\n]*)/.exec(text.slice(err.pos[0]))?.[1]?.trim() ?? '';
    return `${where}: duplicate key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}; allowed: each key once per mapping`;
  }
  if (err.code === 'MULTIPLE_DOCS') return `${where}: a second document (after "---"); allowed: one ${format} document per spec file`;
  return `${where}: ${reason}; allowed: valid ${format}`;
}

/** YAML tags such as !!binary or !!set give values JSON cannot hold (Uint8Array, Set, Map). */
function findNonPlainValue(value: unknown, key: string): { key: string; type: string } | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonPlainValue(value[i], `${key}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return { key, type: (value as object).constructor?.name ?? 'non-plain' };
  for (const [k, v] of Object.entries(value)) {
    const found = findNonPlainValue(v, key === '' ? k : `${key}.${k}`);
    if (found) return found;
  }
  return null;
}

/**
 * The first number written as non-zero that the parser read as 0 (`1e-400`), by its key path: once
 * parsed it is indistinguishable from a 0 the user meant.
 */
function findUnderflow(doc: Document.Parsed): { key: string; numeral: string } | null {
  let found: { key: string; numeral: string } | null = null;
  yaml!.visit(doc, {
    Scalar(_key, node, ancestors) {
      if (node.value !== 0 || typeof node.source !== 'string' || !underflowsToZero(node.source)) return undefined;
      let key = '';
      ancestors.forEach((a, i) => {
        if (yaml!.isPair(a)) {
          const k = yaml!.isScalar(a.key) ? String(a.key.value) : String(a.key);
          key = key === '' ? k : `${key}.${k}`;
        } else if (yaml!.isSeq(a)) key += `[${a.items.indexOf(ancestors[i + 1] ?? node)}]`;
      });
      found = { key, numeral: node.source };
      return yaml!.visit.BREAK;
    },
  });
  return found;
}
