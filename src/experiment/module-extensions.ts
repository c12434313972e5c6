/**
 * The file extensions a `--module` may have: what the module loader (load-module.ts, through tsx's
 * tsImport) loads, ESM and CommonJS, TypeScript and JavaScript. The spec refuses any other before
 * anything runs, and the loader checks again for callers that bypass the spec. Kept apart from
 * load-module.ts so the spec (pure) can name them without importing the loader.
 */
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs'] as const;

/** Transpiled by tsx; the rest run as written (and a syntax error in them is located by Node's checker). */
export const TYPESCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['.ts', '.mts', '.cts']);
