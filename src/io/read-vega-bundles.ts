/**
 * The browser builds of vega, vega-lite and vega-embed, read from node_modules so the report can
 * inline them: a report opens without network access, and shows the versions it was made with.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface VegaBundles {
  /** In load order: vega-lite and vega-embed find vega (and vega-lite) as globals. */
  readonly scripts: ReadonlyArray<{ readonly name: string; readonly version: string; readonly code: string }>;
}

/** Package → its minified UMD build, which defines the global the next one needs. */
const BUILDS = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

const require = createRequire(import.meta.url);

export function readVegaBundles(): VegaBundles {
  return {
    scripts: BUILDS.map(([name, build]) => {
      const root = packageRoot(name);
      const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
      // The source map is not shipped in the report; without the comment no browser asks for it.
      const code = readFileSync(join(root, build), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      return { name, version, code };
    }),
  };
}

/**
 * The package's directory. Their `exports` expose neither package.json nor the builds, so resolve
 * the entry point and walk up to the package.json that names the package.
 */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package directory of ${name} above ${require.resolve(name)}`);
    dir = parent;
  }
}
