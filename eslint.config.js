// @ts-check
/**
 * The linter: typescript-eslint's recommended rules, no import cycles, and the layering of
 * DESIGN.md ("What that means here" in STYLE.md) as import restrictions per folder of src/.
 * `npm run lint` runs it (and prettier --check); .ci/run runs that.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The folders of src/, each a layer (the files at src/'s top are the package's entry and its error types). */
const FOLDERS = ['cli', 'cluster', 'engine', 'experiment', 'io', 'plot', 'report', 'runner', 'spec', 'summary', 'train'];

/**
 * Who may not import what. `regex` is matched against the import's specifier as written (relative
 * imports start with ../), for `import … from` and `import(…)` alike: the code loads heavy modules
 * lazily, so a restriction that let `await import()` through would miss the likeliest way in.
 * `allowTypeImports`: an `import type` is erased from the build (verbatimModuleSyntax), so it
 * loads nothing.
 */
const RESTRICTIONS = [
  {
    // The core of a run and its verdicts never reaches up into the layers that drive it or show it.
    folders: ['engine', 'train', 'summary', 'spec'],
    regex: '^(\\.\\./)+(cli|io|report|runner|plot)/',
    message: 'engine/, train/, summary/ and spec/ do not import from cli/, io/, report/, runner/ or plot/: those layers call them, not the other way round',
  },
  {
    // cluster/ (the files a cluster runs, the queue's coordinator and workers) is driven by cli/, as runner/ is.
    folders: ['cluster'],
    regex: '^(\\.\\./)+cli/',
    message: 'cluster/ does not import from cli/: the commands call it, not the other way round',
  },
  {
    // train/, summary/ and spec/ are pure: their tests need no mocks. (node:path is string
    // arithmetic, node:crypto hashes grid points: both pure.)
    folders: ['train', 'summary', 'spec'],
    regex: '^(node:)?(fs|child_process)(/|$)',
    message: 'train/, summary/ and spec/ are pure: the file system belongs to io/, processes to runner/',
  },
  {
    // Only io/ should touch the file system (DESIGN.md). Where that is true today it is enforced;
    // cli/ (commands/sweep.ts checks --out exists), runner/ (run-sweep.ts checks a run directory
    // exists) and experiment/ (load-module.ts reads and imports a user's module) still do, so
    // they are left out rather than given a rule that is false.
    folders: ['engine', 'plot', 'report'],
    regex: '^(node:)?fs(/|$)',
    message: 'only io/ touches the file system: read or write through a function of io/',
  },
  {
    // The fused engine must run without tfjs loaded at all; tfjs is the engine's business.
    folders: ['train', 'summary', 'spec'],
    regex: '^@tensorflow/',
    message: 'only engine/ imports @tensorflow/*',
  },
  {
    // experiment/module-types.ts describes a user module in tfjs' types (the package exports them
    // from src/index.ts): type imports load nothing, so elsewhere they are allowed.
    folders: ['cli', 'cluster', 'experiment', 'io', 'plot', 'report', 'runner', '.'],
    regex: '^@tensorflow/',
    allowTypeImports: true,
    message: 'only engine/ imports @tensorflow/* (types are fine: `import type` loads nothing)',
  },
  {
    // Printing, colours, progress bars and flags are the terminal's: the layers below return values and strings.
    folders: ['cluster', 'engine', 'experiment', 'io', 'plot', 'report', 'runner', 'spec', 'summary', 'train', '.'],
    regex: '^(commander|chalk|cli-progress)(/|$)',
    message: 'only cli/ imports commander, chalk or cli-progress: return a value or a string and let cli/ print it',
  },
];

/** One config per folder: a rule given twice for a file keeps only the last options, so each folder's restrictions are merged first. */
function layeringConfigs() {
  return [...FOLDERS, '.'].map((folder) => {
    const applying = RESTRICTIONS.filter((r) => r.folders.includes(folder));
    const files = folder === '.' ? ['src/*.ts'] : [`src/${folder}/**/*.ts`];
    return {
      name: `mo-train/layering/${folder}`,
      files,
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          { patterns: applying.map(({ regex, message, allowTypeImports }) => ({ regex, message, allowTypeImports: allowTypeImports ?? false })) },
        ],
        // The same for `import(…)`, which no-restricted-imports does not see. esquery's regex
        // literal cannot hold a '/', so it is written \x2F there.
        'no-restricted-syntax': [
          'error',
          ...applying.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message })),
        ],
      },
    };
  });
}

export default defineConfig(
  {
    name: 'mo-train/ignores',
    ignores: [
      'dist/',
      'node_modules/',
      'results/',
      'bench/results/',
      'coverage/',
      // Deliberately broken fixtures for the module loader's error messages (as in tsconfig.check.json).
      'test/fixtures/modules/syntax-error.ts',
      'test/fixtures/modules/syntax-error.mjs',
      'test/fixtures/modules/commonjs.cts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    name: 'mo-train/rules',
    rules: {
      // A leading _ names what a signature or a destructuring needs but the body does not (as tsc's noUnusedLocals allows).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // Every control character in a regexp here is meant: terminal colour escapes (stripped or
      // checked by the tests) and the control characters an error message escapes.
      'no-control-regex': 'off',
    },
  },
  {
    // The bin stub, build scripts, test preloads and module fixtures run in Node as plain JavaScript.
    name: 'mo-train/node-javascript',
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Tests look into chart specs, JSON and page state of no declared type; an `any` that is wrong fails the test.
    name: 'mo-train/tests',
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Its loss reads a name that does not exist, on purpose: the test wants that ReferenceError.
    name: 'mo-train/fixture-undefined-name',
    files: ['test/fixtures/modules/loss-throws.mjs'],
    rules: { 'no-undef': 'off' },
  },
  {
    name: 'mo-train/imports',
    plugins: { 'import-x': importX },
    settings: {
      // Without these the plugin skips .ts files when it follows imports, and sees no cycle at all.
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      // Resolves NodeNext's `./x.js` specifiers to the `./x.ts` files next to them.
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.check.json'] })],
    },
    rules: {
      // A cycle makes the order in which modules evaluate matter, and the layers stop being layers.
      // Dynamic imports count: lazy loading does not make a cycle a design.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  ...layeringConfigs(),
);
