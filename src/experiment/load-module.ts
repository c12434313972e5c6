/**
 * Loads a user module (`--module path`) and checks that it exports an experiment of one of the two
 * forms (module-types.ts: functional, with `params`, or LayersModel, with `model`). TypeScript is
 * transpiled on the fly by tsx; JavaScript runs as written. Every failure is one line naming
 * the file and what is wrong. Whether the parameters, model, data and losses actually work is
 * checked later, with tfjs, by the engine (engine/tfjs `checkModule`); this file never imports tfjs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { MODULE_EXTENSIONS, TYPESCRIPT_EXTENSIONS } from './module-extensions.js';
import type { ExperimentModule } from './module-types.js';
/** Functions every experiment has; besides them, exactly one of FORMS. */
const REQUIRED = ['data', 'loss1', 'loss2'] as const;
/** The two forms' own function: `params` (functional) or `model` (LayersModel). */
const FORMS = ['params', 'model'] as const;
/** How the expected shape reads in messages. */
const EXPECTED = 'functions params (or model), data, loss1, loss2';

/**
 * Loaded modules by file and version. A worker runs many runs of the same module; importing it
 * again each time would register another tsx loader every time (tsImport adds one per call).
 */
const cache = new Map<string, Promise<ExperimentModule>>();

export async function loadExperimentModule(absPath: string): Promise<ExperimentModule> {
  const shown = displayPath(absPath);
  if (!existsSync(absPath) || !statSync(absPath).isFile()) throw new UserError(`${shown}: module file not found`);
  const ext = extname(absPath).toLowerCase();
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new UserError(`${shown}: unsupported module extension "${ext}" (allowed: ${MODULE_EXTENSIONS.join(' ')})`);
  }
  const { mtimeMs, size } = statSync(absPath);
  const key = `${absPath}\0${mtimeMs}\0${size}`;
  let loading = cache.get(key);
  if (!loading) {
    loading = importModule(absPath, shown).then((ns) => parseExperimentModule(ns, shown));
    cache.set(key, loading);
    // Only successes are kept: a fixed file must be re-read.
    loading.catch(() => cache.delete(key));
  }
  return loading;
}

/**
 * Every extension goes through tsx's `tsImport`: it transpiles TypeScript and hands JavaScript to
 * Node's own loader untouched, so a .js/.mjs module is imported exactly as `import()` would, and
 * the import stays native even inside a bundler-style test runner that rewrites `import()`.
 */
async function importModule(absPath: string, shown: string): Promise<unknown> {
  const url = pathToFileURL(absPath).href;
  try {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as unknown;
  } catch (err) {
    throw new UserError(`${shown}: ${describeImportError(err, absPath)}`);
  }
}

function describeImportError(err: unknown, absPath: string): string {
  const message = err instanceof Error ? err.message : String(err);
  // tsx (esbuild): "Transform failed with 1 error:\n/abs/file.ts:3:9: ERROR: Expected …" (0-based column).
  const esbuild = /^(.*):(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (esbuild && (err as { name?: unknown }).name === 'TransformError') {
    const [, file, line, col, what] = esbuild;
    const where = file === absPath ? '' : ` in ${displayPath(file!)}`;
    return `syntax error at ${line}:${Number(col) + 1}${where}: ${what}`;
  }
  if (err instanceof SyntaxError && !TYPESCRIPT_EXTENSIONS.has(extname(absPath).toLowerCase())) {
    // Node's ESM loader keeps a syntax error's position out of the error object; its checker prints
    // it. A file that parses threw the SyntaxError itself (e.g. JSON.parse at the top level).
    const at = locateJsSyntaxError(absPath);
    if (at) return `syntax error at ${at}: ${message}`;
  }
  // Node's own failures (a missing import, a bad specifier) carry an ERR_* code; the rest was thrown by the module.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_')) return `failed to import: ${firstLine(message)}`;
  return `threw while being imported: ${firstLine(message)}`;
}

/** "line:column" (1-based) of the first syntax error in a JavaScript file, from `node --check`. */
function locateJsSyntaxError(absPath: string): string | null {
  const result = spawnSync(process.execPath, ['--check', absPath], { encoding: 'utf8', timeout: 10_000 });
  if (result.status === 0 || typeof result.stderr !== 'string') return null;
  // "<file>:<line>\n<source line>\n<spaces>^^^\n\nSyntaxError: …"
  const lines = result.stderr.split('\n');
  const head = lines.findIndex((l) => l.startsWith(absPath) || l.startsWith(pathToFileURL(absPath).href));
  if (head < 0) return null;
  const line = /:(\d+)$/.exec(lines[head]!)?.[1];
  if (!line) return null;
  const caret = lines[head + 2]?.indexOf('^') ?? -1;
  return caret >= 0 ? `${line}:${caret + 1}` : line;
}

/**
 * The experiment among a module's exports: the default export, else `export const experiment`
 * (also through CommonJS interop, where either ends up one `default` deeper).
 */
export function parseExperimentModule(ns: unknown, shown: string): ExperimentModule {
  const candidates: unknown[] = [];
  const add = (v: unknown): void => {
    if (v !== null && (typeof v === 'object' || typeof v === 'function') && !candidates.includes(v)) candidates.push(v);
  };
  const exportsOf = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const top = exportsOf(ns);
  add(top['default']);
  add(top['experiment']);
  add(exportsOf(top['default'])['default']);
  add(exportsOf(top['default'])['experiment']);
  const isFunction = (c: unknown, k: string): boolean => c !== undefined && typeof (c as Record<string, unknown>)[k] === 'function';
  const complete = candidates.find((c) => REQUIRED.every((k) => isFunction(c, k)) && FORMS.some((k) => isFunction(c, k)));
  if (!complete) {
    const nearest = candidates.find((c) => [...FORMS, ...REQUIRED].some((k) => k in (c as object))) as Record<string, unknown> | undefined;
    const notFunction = (k: string): string => `${k} (${describeValue(nearest![k])}, not a function)`;
    const missing: string[] = [];
    if (!FORMS.some((k) => isFunction(nearest, k))) {
      const present = FORMS.filter((k) => nearest !== undefined && k in nearest);
      missing.push(present.length > 0 ? present.map(notFunction).join(', ') : 'params or model');
    }
    for (const k of REQUIRED) if (!isFunction(nearest, k)) missing.push(nearest && k in nearest ? notFunction(k) : k);
    throw new UserError(
      `${shown}: exports no experiment: expected a default export (or \`export const experiment\`) with ${EXPECTED}; missing: ${missing.join(', ')}`,
    );
  }
  const mod = complete as Record<string, unknown>;
  if (FORMS.every((k) => mod[k] !== undefined)) {
    throw new UserError(
      `${shown}: the experiment has both params and model; give exactly one: params (functional: the parameters by name) or model (a tf.LayersModel)`,
    );
  }
  const adversary = mod['adversary'];
  if (adversary !== undefined && (!Array.isArray(adversary) || adversary.length === 0 || !adversary.every((n) => typeof n === 'string' && n !== ''))) {
    throw new UserError(`${shown}: the experiment's adversary must be a non-empty list of parameter names, got ${describeValue(adversary)}`);
  }
  for (const key of ['name', 'description'] as const) {
    if (mod[key] !== undefined && typeof mod[key] !== 'string') {
      throw new UserError(`${shown}: the experiment's ${key} must be a string, got ${describeValue(mod[key])}`);
    }
  }
  return mod as unknown as ExperimentModule;
}

/** "a number", "an object", "null", … */
function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  const kind = Array.isArray(v) ? 'array' : typeof v;
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** The path as a user would type it: relative to the working directory when inside it. */
export function displayPath(absPath: string): string {
  const rel = relative(process.cwd(), absPath);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
