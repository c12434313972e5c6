/**
 * Loading user modules and checking them before a sweep: every way a module can be broken gives
 * one line naming the file and what is wrong; the shipped examples load and evaluate.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModule } from '../../src/engine/tfjs/index.js';
import { UserError } from '../../src/errors.js';
import { loadExperimentModule } from '../../src/experiment/load-module.js';
import { MODULE_EXTENSIONS } from '../../src/experiment/module-extensions.js';
import { parseSweepSpec, type SpecContext } from '../../src/spec/parse-spec.js';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = (name: string): string => join(here, 'fixtures', 'modules', name);
const example = (name: string): string => join(here, '..', 'experiments', name);

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected a rejection');
  return err;
}

/** A user-facing error: a UserError, one line, starting with the file it is about. */
function expectOneLineAbout(err: Error, file: string): void {
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).not.toContain('\n');
  expect(err.message.startsWith(`test/fixtures/modules/${file}: `) || err.message.startsWith(`${fixture(file)}: `)).toBe(true);
}

describe('loadExperimentModule errors', () => {
  it.each([
    { file: 'missing.ts', expected: ['module file not found'] },
    { file: 'not-a-module.txt', expected: ['unsupported module extension ".txt"', 'allowed: .ts .mts .cts .js .mjs'] },
    // esbuild's position, made 1-based: line 4 is `  model( => 3,`, "=>" starts in column 10.
    { file: 'syntax-error.ts', expected: ['syntax error at 4:10: Expected identifier but found "=>"'] },
    // Node's parser: line 4 is `  loss1() {},`, after a missing comma.
    { file: 'syntax-error.mjs', expected: ['syntax error at 4:3:', "Unexpected identifier 'loss1'"] },
    { file: 'throws-on-import.ts', expected: ['threw while being imported: dataset path not configured'] },
    // A SyntaxError thrown by running code is not a syntax error in the file.
    { file: 'parse-throws-on-import.mjs', expected: ['threw while being imported: ', 'JSON'] },
    { file: 'bad-name.mjs', expected: ["the experiment's name must be a string, got a number"] },
    {
      file: 'wrong-shape.ts',
      expected: [
        'exports no experiment: expected a default export (or `export const experiment`) with functions params (or model), data, loss1, loss2',
        'missing: loss1 (a number, not a function), loss2',
      ],
    },
    { file: 'no-export.mjs', expected: ['exports no experiment', 'missing: params or model, data, loss1, loss2'] },
    // Exactly one form: both, or neither.
    {
      file: 'both-forms.mjs',
      expected: ['the experiment has both params and model; give exactly one: params (functional: the parameters by name) or model (a tf.LayersModel)'],
    },
    {
      file: 'neither-form.mjs',
      expected: ['exports no experiment: expected a default export', 'with functions params (or model), data, loss1, loss2; missing: params or model'],
    },
  ])('$file: $expected', async ({ file, expected }) => {
    const err = await errorOf(loadExperimentModule(fixture(file)));
    expectOneLineAbout(err, file);
    for (const part of expected) expect(err.message).toContain(part);
  });
});

describe('checkModule errors', () => {
  it.each([
    // JavaScript runs as written, so the position is exact: line 6 is the `return`, column 52 `undefinedScale`.
    { file: 'loss-throws.mjs', expected: ['loss1 threw: undefinedScale is not defined (at line 6:52)'] },
    { file: 'loss-non-scalar.ts', expected: ['loss1 returned a tensor of shape [3,1]; it must return a scalar'] },
    { file: 'not-a-model.mjs', expected: ['model() returned an object (Object); it must return a tf.LayersModel'] },
    { file: 'no-weights.mjs', expected: ['model() returned a model with no trainable weights'] },
    { file: 'bad-data.mjs', expected: ['data() returned a record whose "y" is an array; every value must be a tf.Tensor'] },
    { file: 'syntax-error.ts', expected: ['syntax error at 4:10'] },
    // Functional modules.
    {
      file: 'params-not-a-record.mjs',
      expected: ["params() returned a single tf.Tensor; it must return a record of float32 tensors by name, e.g. { 'fc1.weight': tf.randomUniform("],
    },
    { file: 'params-int32.mjs', expected: ['params() returned "fc.steps" as an int32 tensor; parameters must be float32'] },
    { file: 'params-array-value.mjs', expected: ['params() returned a record whose "fc.bias" is an array; every value must be a float32 tf.Tensor'] },
    // Line 5 is loss2: `params.scale` is no parameter (undefined, which tf.mul rejects); the frame is the tf.mul call.
    // params.scale does not exist: named, instead of tfjs's "Argument 'b' passed to 'mul' must be a Tensor".
    { file: 'functional-loss-throws.mjs', expected: ['loss2 threw: unknown parameter "scale"; known: w', '(at line 5:61)'] },
    {
      file: 'functional-kept-param.mjs',
      expected: ['loss1 uses parameter "w" as params() returned it (kept in a closure), which never changes; read it from the loss\'s own `params`'],
    },
  ])('$file: $expected', async ({ file, expected }) => {
    const err = await errorOf(checkModule(fixture(file), 'cpu'));
    expectOneLineAbout(err, file);
    for (const part of expected) expect(err.message).toContain(part);
  });
});

it('loss-throws.ts: the thrown message, and a position only if it is a TypeScript line', async () => {
  const err = await errorOf(checkModule(fixture('loss-throws.ts'), 'cpu'));
  expectOneLineAbout(err, 'loss-throws.ts');
  // Under plain Node tsx source-maps the frame to line 10 (the `throw`). Under vitest, which
  // formats stacks itself, the frame stays in transpiled code and the position is left out.
  expect(err.message).toMatch(/: loss2 threw: data has no "labels" tensor( \(at line 10:\d+\))?$/);
});

it('loss-throws.ts under plain Node: the position is the TypeScript line of the throw', () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const result = spawnSync(process.execPath, ['--import', tsx, fixture('check-module.ts'), fixture('loss-throws.ts')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.stderr).toBe('');
  // Line 10, column 24 is `throw` in `if (!labels) throw new Error(…)`.
  expect(result.stdout.trim()).toMatch(/loss-throws\.ts: loss2 threw: data has no "labels" tensor \(at line 10:24\)$/);
});

describe('modules that load', () => {
  it.each([
    { path: fixture('plain.mjs'), name: 'plain-js', names: ['0.weight', '0.bias'], disconnected: [] },
    // CommonJS TypeScript: `export default` arrives one `default` deeper; no name → the file name.
    { path: fixture('commonjs.cts'), name: 'commonjs', names: ['0.weight', '0.bias'], disconnected: [] },
    { path: fixture('nested.mts'), name: 'nested', names: ['1.gamma', '1.beta', '2.0.weight', '2.0.bias', '2.1.weight'], disconnected: [] },
    { path: fixture('detached-loss2.ts'), name: 'detached-loss2', names: ['0.weight', '0.bias', '1.weight', '1.bias'], disconnected: ['loss2'] },
    // Functional: the names and shapes params() returned, in its order, nothing transposed.
    {
      path: fixture('functional.mjs'),
      name: 'functional-js',
      names: ['encoder.weight', 'encoder.bias', 'head.weight'],
      shapes: [[3, 2], [3], [1, 3]],
      disconnected: [],
    },
    {
      path: fixture('functional-detached-loss2.ts'),
      name: 'functional-detached-loss2',
      names: ['fc.weight', 'fc.bias'],
      shapes: [[2, 1], [2]],
      disconnected: ['loss2'],
    },
    {
      path: example('seed.ts'),
      name: 'seed-module',
      names: ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias'],
      shapes: [[5, 1], [5], [10, 5], [10], [1, 10], [1]],
      disconnected: [],
    },
    {
      path: example('seed-layers.ts'),
      name: 'seed-layers',
      names: ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias'],
      shapes: [[5, 1], [5], [10, 5], [10], [1, 10], [1]],
      disconnected: [],
    },
    {
      path: example('adversarial.ts'),
      name: 'fair-representation',
      names: ['encoder1.weight', 'encoder1.bias', 'encoder2.weight', 'encoder2.bias', 'head.weight', 'head.bias'],
      shapes: [[8, 6], [8], [2, 8], [2], [1, 2], [1]],
      disconnected: [],
    },
  ])('$name loads and evaluates', async ({ path, name, names, disconnected, ...rest }) => {
    const checked = await checkModule(path, 'cpu');
    expect(checked.name).toBe(name);
    expect(checked.layout.entries.map((e) => e.name)).toEqual(names);
    if ('shapes' in rest) expect(checked.layout.entries.map((e) => e.shape)).toEqual(rest.shapes);
    expect(checked.disconnected).toEqual(disconnected);
  });

  it.each([
    { file: 'seed.ts', form: 'params' },
    { file: 'seed-layers.ts', form: 'model' },
    { file: 'adversarial.ts', form: 'params' },
  ] as const)('the example $file exports functions $form, data, loss1, loss2 and a description', async ({ file, form }) => {
    const mod = (await loadExperimentModule(example(file))) as unknown as Record<string, unknown>;
    expect(typeof mod['description']).toBe('string');
    for (const key of [form, 'data', 'loss1', 'loss2']) expect(typeof mod[key]).toBe('function');
    expect(mod[form === 'params' ? 'model' : 'params']).toBeUndefined();
  });
});

describe('module cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mo-train-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const working = `export default { name: 'fixed', model: () => null, data: () => ({}), loss1: () => null, loss2: () => null };\n`;

  it('reuses a loaded module, but re-reads a file that failed once it is fixed', async () => {
    const path = join(dir, 'exp.ts');
    writeFileSync(path, `export default { name: 'broken' };\n`);
    const err = await errorOf(loadExperimentModule(path));
    expect(err.message).toContain('missing: params or model, data, loss1, loss2');
    writeFileSync(path, working);
    // A different mtime even on coarse-grained file systems.
    utimesSync(path, new Date(), new Date(Date.now() + 5_000));
    const first = await loadExperimentModule(path);
    expect(first.name).toBe('fixed');
    expect(await loadExperimentModule(path)).toBe(first);
  });
});

describe('module extensions: one list, the spec and the loader agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mo-train-ext-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A module every form can spell: ESM syntax (tsx turns it into CommonJS for .cts).
  const specContext: SpecContext = { mode: 'sweep', cwd: dir, resolveFile: (absPath) => ({ absPath, sha256: 'x' }) };
  const source = 'export default { params: () => ({}), data: () => ({}), loss1: () => 0, loss2: () => 0 };\n';

  it.each(MODULE_EXTENSIONS.map((ext) => ({ ext })))('a $ext module passes the spec and loads', async ({ ext }) => {
    const path = join(dir, `m${ext}`);
    writeFileSync(path, source);
    const parsed = parseSweepSpec({ module: path }, undefined, specContext);
    expect(parsed.ok && parsed.spec.runs[0]!.experiment.kind).toBe('module');
    expect(Object.keys(await loadExperimentModule(path)).sort()).toEqual(['data', 'loss1', 'loss2', 'params']);
  });

  it('the list is the five the loader was built for', () => {
    expect([...MODULE_EXTENSIONS]).toEqual(['.ts', '.mts', '.cts', '.js', '.mjs']);
  });

  it.each(['.py', '.json', '.tsx'])('a %s module is refused by the spec and by the loader', async (ext) => {
    const path = join(dir, `m${ext}`);
    writeFileSync(path, source);
    const parsed = parseSweepSpec({ module: path }, undefined, specContext);
    expect(parsed.ok ? [] : parsed.errors).toEqual([expect.stringContaining(`"${path}" does not end in`)]);
    await expect(loadExperimentModule(path)).rejects.toThrow(`unsupported module extension "${ext}"`);
  });
});
