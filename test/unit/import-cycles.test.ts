/**
 * No import cycles in src/, `import type` included. `npm run lint` (import-x/no-cycle) catches a
 * cycle of values, static or `import()`, but skips type-only imports; a cycle through types still
 * ties two files into one unit that neither can be moved or understood without (as
 * plot/downsample.ts and plot/plot-data.ts were), so this test closes that gap.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

type Graph = ReadonlyMap<string, readonly string[]>;

/** Every .ts file under `root` → the files of `root` it imports, by any form of import (NodeNext: `./x.js` is `./x.ts`). */
function readImportGraph(root: string): Graph {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, f));
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      const targets = importedFiles
        .map(({ fileName }) => fileName)
        .filter((name) => name.startsWith('.'))
        .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')))
        .filter((target) => known.has(target));
      return [relative(root, file), [...new Set(targets)].map((target) => relative(root, target))];
    }),
  );
}

/** The cycles of `graph`: its strongly connected components of more than one file, or of a file importing itself (Tarjan). */
function findCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('findCycles', () => {
  it.each<[string, Record<string, string[]>, string[][]]>([
    ['a chain', { a: ['b'], b: ['c'], c: [] }, []],
    ['a diamond', { a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }, []],
    ['two files importing each other', { a: ['b'], b: ['a'] }, [['a', 'b']]],
    ['a file importing itself', { a: ['a'] }, [['a']]],
    ['a cycle of three beside a file outside it', { a: ['b'], b: ['c'], c: ['a'], d: ['a'] }, [['a', 'b', 'c']]],
    [
      'two separate cycles',
      { a: ['b'], b: ['a'], c: ['d'], d: ['c'] },
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
  ])('%s', (_, edges, expected) => {
    const cycles = findCycles(new Map(Object.entries(edges)));
    expect(cycles.sort((x, y) => x[0]!.localeCompare(y[0]!))).toEqual(expected);
  });
});

describe('src/', () => {
  const graph = readImportGraph(SRC);

  it('has no import cycle, counting type-only imports', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it.each([
    // A static import, an `import type` and an `import()`: the graph sees all three forms.
    ['cli/main.ts', 'io/package-version.ts'],
    ['cli/spec-from-options.ts', 'cli/spec-options.ts'],
    ['cli/main.ts', 'cli/commands/sweep.ts'],
  ])('(the graph sees the import of %s → %s)', (from, to) => {
    expect(graph.get(from)).toContain(to);
  });
});
