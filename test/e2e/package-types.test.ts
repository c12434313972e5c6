/**
 * Module authors' types come with the package: `import type { ExperimentModule } from 'mo-train'`
 * type-checks for someone who installed it, not only inside a clone (src/ is not published).
 * `npm pack` ships the declarations, and tsc resolves the package name to them in a project
 * whose node_modules/mo-train is this repository (as an install of the packed files would be).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, requireBuilt, root } from '../fixtures/e2e-harness.js';

const run = promisify(execFile);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let project: string;
beforeAll(() => {
  requireBuilt();
  project = makeTempDir('types');
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'mo-train'), 'dir');
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  const compilerOptions = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['good.ts', 'bad.ts'] }));
  writeFileSync(
    join(project, 'good.ts'),
    [
      "import type { ExperimentModule } from 'mo-train';",
      'export default {',
      "  name: 'mine',",
      "  params: ({ tf, seed }) => ({ w: tf.randomUniform([3], -1, 1, 'float32', seed) }),",
      '  data: ({ tf }) => ({ x: tf.ones([3]) }),',
      '  loss1: ({ tf, params, data }) => tf.sum(tf.mul(params.w!, data.x!)),',
      '  loss2: ({ tf, flatParams }) => tf.sum(tf.square(flatParams)),',
      '} satisfies ExperimentModule;',
      '',
    ].join('\n'),
  );
  // loss2 missing: only real types can say so (an unresolved import would type as any, or fail elsewhere).
  writeFileSync(
    join(project, 'bad.ts'),
    [
      "import type { ExperimentModule } from 'mo-train';",
      'export default {',
      '  params: ({ tf }) => ({ w: tf.ones([3]) }),',
      '  data: () => ({}),',
      '  loss1: ({ tf, flatParams }) => tf.sum(flatParams),',
      '} satisfies ExperimentModule;',
      '',
    ].join('\n'),
  );
});
afterAll(removeTempDirs);

describe("import type { ExperimentModule } from 'mo-train'", () => {
  it('npm pack ships the declarations, and package.json points at them', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, maxBuffer: 64 << 20 });
    const files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/experiment/module-types.d.ts');
    expect(files).toContain('bin/mo-train.js');
    expect(files.some((f) => f.startsWith('src/'))).toBe(false);
  });

  it('tsc resolves it in a project that installed mo-train: a module type-checks, a module without loss2 does not', async () => {
    const result = await run(process.execPath, [tsc, '-p', project], { cwd: project }).then(
      () => ({ stdout: '' }),
      (err: { stdout: string }) => ({ stdout: err.stdout }),
    );
    const errors = result.stdout.split('\n').filter((l) => /error TS/.test(l));
    expect(
      errors.filter((l) => l.startsWith('good.ts')),
      result.stdout,
    ).toEqual([]);
    expect(
      errors.filter((l) => l.startsWith('bad.ts')),
      result.stdout,
    ).toEqual([expect.stringMatching(/bad\.ts\(\d+,\d+\): error TS1360: .*does not satisfy the expected type 'ExperimentModule'/)]);
    expect(result.stdout).toMatch(/Property 'loss2' is missing/);
  });
});
