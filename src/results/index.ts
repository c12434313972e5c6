/**
 * The results files — the public layout of a results directory (README "Results layout",
 * DESIGN.md) — each defined once, here: its name (layout.ts), its zod schema tied to its
 * TypeScript type, its format version where the file carries one, and its pure parse and
 * serialize functions.
 *
 * The split: this folder is pure — text and values in, typed values or `path: what is wrong`
 * out; it never touches the file system, so its tests need no files. Reading and writing is io/'s
 * (io/read-results.ts, io/sweep-files.ts, io/run-files.ts, io/steps-writer.ts, io/stream-steps.ts,
 * io/sweep-lock.ts, io/write-tables.ts), always through the names, schemas and serializers here.
 *
 *   sweep.json                 sweep-file.ts          SWEEP_FORMAT_VERSION
 *   runs/<id>/config.json      run-config-file.ts, run-config-parse.ts (the sweep's version)
 *   runs/<id>/steps.csv        steps-file.ts          STEP_COLUMNS (columns found by name)
 *   runs/<id>/summary.json     summary-file.ts, summary-parse.ts  SUMMARY_FORMAT_VERSION
 *   runs/<id>/interrupted.json interrupted-file.ts
 *   runs/<id>/final-params.json final-params-file.ts (PyTorch's state_dict shape)
 *   summary.csv, by-alpha.csv  tables-file.ts         (columns: summary/tables.ts)
 *   .lock                      lock-file.ts
 *   boundary.json              boundary-file.ts       BOUNDARY_FORMAT_VERSION
 *
 * The schemas of two files a worker writes (config.json, summary.json) sit in *-parse.ts files: a
 * worker imports only the writing half, so it never loads zod (as before src/results/). JSON files
 * are spelled by json.ts (non-finite numbers as "NaN", "Infinity", "-Infinity").
 */
export * from './boundary-file.js';
export * from './final-params-file.js';
export * from './interrupted-file.js';
export * from './json.js';
export * from './layout.js';
export * from './lock-file.js';
export * from './parsed.js';
export * from './run-config-file.js';
export * from './run-config-parse.js';
export * from './steps-file.js';
export * from './summary-file.js';
export * from './summary-parse.js';
export * from './sweep-file.js';
export * from './tables-file.js';
