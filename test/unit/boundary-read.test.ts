/**
 * readBoundary: boundary.json absent is no boundary and no warning; present but unusable is no
 * boundary and one line naming the file and what is wrong; a newer format that still matches is
 * read, with a warning.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBoundary } from '../../src/io/read-boundary.js';
import { stringifyJson } from '../../src/results/json.js';
import { boundarySeed, makeBoundary } from '../fixtures/results/build-boundary.js';

const root = mkdtempSync(join(tmpdir(), 'mo-train-boundary-read-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const VALID = makeBoundary([
  boundarySeed(0, [
    [0.001, 'converged'],
    [1, 'diverged'],
  ]),
]);

/** A directory holding `content` as boundary.json (a directory in its place for `dir`), or none for null. */
function dirWith(content: string | null | { dir: true }): string {
  const dir = mkdtempSync(join(root, 'd-'));
  if (typeof content === 'string') writeFileSync(join(dir, 'boundary.json'), content);
  else if (content !== null) mkdirSync(join(dir, 'boundary.json'));
  return dir;
}

describe('readBoundary', () => {
  it('absent: no boundary, no warning', async () => {
    expect(await readBoundary(dirWith(null))).toEqual({ boundary: null, issue: null });
  });

  it('valid: the file, no warning (non-finite numbers read back)', async () => {
    const withNaN = { ...VALID, wall_time_s: NaN };
    const read = await readBoundary(dirWith(stringifyJson(withNaN)));
    expect(read.issue).toBeNull();
    expect(read.boundary?.seeds[0]?.probes.map((p) => p.verdict)).toEqual(['converged', 'diverged']);
    expect(read.boundary?.wall_time_s).toBeNaN();
  });

  it.each([
    ['empty', '  \n', /boundary\.json: empty file; no boundary shown$/],
    ['not JSON', '{"seeds": [', /boundary\.json: not valid JSON \(.+\); no boundary shown$/],
    ['the wrong shape', stringifyJson({ ...VALID, scale: 'cubic' }), /boundary\.json: scale: .+; no boundary shown$/],
    [
      'a newer format of another shape',
      stringifyJson({ format_version: 9, seeds: 'x' }),
      /boundary\.json: .+ \(format_version 9 is newer than this mo-train reads \(1\)\); no boundary shown$/,
    ],
  ])('%s: no boundary, one line naming the file and what is wrong', async (_name, content, issue) => {
    const dir = dirWith(content);
    const read = await readBoundary(dir);
    expect(read.boundary).toBeNull();
    expect(read.issue).toMatch(issue);
    expect(read.issue!.startsWith(join(dir, 'boundary.json'))).toBe(true);
    expect(read.issue).not.toContain('\n');
  });

  it('unreadable (a directory in its place): no boundary, a warning', async () => {
    const read = await readBoundary(dirWith({ dir: true }));
    expect(read.boundary).toBeNull();
    expect(read.issue).toMatch(/boundary\.json: cannot read it \(EISDIR\); no boundary shown$/);
  });

  it('a newer format that still matches: read, with a warning', async () => {
    const read = await readBoundary(dirWith(stringifyJson({ ...VALID, format_version: 2, new_field: 1 })));
    expect(read.boundary?.format_version).toBe(2);
    expect(read.issue).toMatch(/boundary\.json: format_version 2 is newer than this mo-train reads \(1\); reading what it can$/);
  });
});
