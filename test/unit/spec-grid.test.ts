import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LONG_ID_HASH_HEX, LONG_ID_PREFIX, MAX_ID_LENGTH, encodeIdPart, expandGrid, formatRunId } from '../../src/spec/expand-grid.js';
import type { AxisValue } from '../../src/spec/types.js';

describe('expandGrid', () => {
  it('puts α outermost, then the axes in order, seed innermost', () => {
    const points = expandGrid(
      [0, 0.1],
      [0, 1],
      [
        { key: 'optimizer.lr', values: [0.001, 0.01] },
        { key: 'optimizer.name', values: ['adam', 'sgd'] },
      ],
    );
    expect(points.map((p) => p.id)).toEqual([
      'alpha=0,seed=0,optimizer.lr=0.001,optimizer.name=adam',
      'alpha=0,seed=1,optimizer.lr=0.001,optimizer.name=adam',
      'alpha=0,seed=0,optimizer.lr=0.001,optimizer.name=sgd',
      'alpha=0,seed=1,optimizer.lr=0.001,optimizer.name=sgd',
      'alpha=0,seed=0,optimizer.lr=0.01,optimizer.name=adam',
      'alpha=0,seed=1,optimizer.lr=0.01,optimizer.name=adam',
      'alpha=0,seed=0,optimizer.lr=0.01,optimizer.name=sgd',
      'alpha=0,seed=1,optimizer.lr=0.01,optimizer.name=sgd',
      'alpha=0.1,seed=0,optimizer.lr=0.001,optimizer.name=adam',
      'alpha=0.1,seed=1,optimizer.lr=0.001,optimizer.name=adam',
      'alpha=0.1,seed=0,optimizer.lr=0.001,optimizer.name=sgd',
      'alpha=0.1,seed=1,optimizer.lr=0.001,optimizer.name=sgd',
      'alpha=0.1,seed=0,optimizer.lr=0.01,optimizer.name=adam',
      'alpha=0.1,seed=1,optimizer.lr=0.01,optimizer.name=adam',
      'alpha=0.1,seed=0,optimizer.lr=0.01,optimizer.name=sgd',
      'alpha=0.1,seed=1,optimizer.lr=0.01,optimizer.name=sgd',
    ]);
  });

  it('gives every point its coordinates: alpha, seed, then each axis key', () => {
    const [first, second] = expandGrid([0.5], [3, 4], [{ key: 'monitor.stop_on_diverge', values: [false] }]);
    expect(first!.coords).toEqual({ alpha: 0.5, seed: 3, 'monitor.stop_on_diverge': false });
    expect(Object.keys(first!.coords)).toEqual(['alpha', 'seed', 'monitor.stop_on_diverge']);
    expect(second!.coords.seed).toBe(4);
  });

  it.each<[number[], number[], number]>([
    [[0], [0], 1],
    [[0, 0.01, 0.1, 1], [0], 4],
    [[0, 1], [0, 1, 2, 3, 4], 10],
  ])('without axes: %j × %j gives %i points', (alphas, seeds, count) => {
    const points = expandGrid(alphas, seeds, []);
    expect(points).toHaveLength(count);
    expect(new Set(points.map((p) => p.id)).size).toBe(count);
    expect(points[0]!.id).toBe(`alpha=${alphas[0]},seed=${seeds[0]}`);
  });

  it.each<[string, number[], number[], { key: string; values: AxisValue[] }[]]>([
    ['a repeated α', [0.1, 0.1], [0], []],
    ['a repeated seed', [0], [2, 2], []],
    ['a repeated axis value', [0], [0], [{ key: 'steps', values: [10, 10] }]],
    ['values that print alike', [0], [0], [{ key: 'x', values: [1, '1'] }]],
  ])('refuses duplicate ids (%s)', (_name, alphas, seeds, axes) => {
    expect(() => expandGrid(alphas, seeds, axes)).toThrow(/duplicate run ids/);
  });

  it.each(['alpha', 'seed'])('refuses an axis named %s', (key) => {
    expect(() => expandGrid([0], [0], [{ key, values: [1] }])).toThrow(/used twice/);
  });
});

describe('formatRunId', () => {
  it.each<[Record<string, AxisValue>, string]>([
    [{ alpha: 0, seed: 0 }, 'alpha=0,seed=0'],
    [{ seed: 7, alpha: 0.01 }, 'alpha=0.01,seed=7'],
    [{ alpha: 1e-7, seed: 1 }, 'alpha=1e-7,seed=1'],
    [{ alpha: 1e21, seed: 1 }, 'alpha=1e+21,seed=1'],
    [{ alpha: 0.1 + 0.2, seed: 1 }, 'alpha=0.30000000000000004,seed=1'],
    [{ alpha: -0, seed: 0 }, 'alpha=0,seed=0'],
    [{ alpha: 0, seed: 4294967295 }, 'alpha=0,seed=4294967295'],
    [{ alpha: 0, seed: 0, 'optimizer.nesterov': true }, 'alpha=0,seed=0,optimizer.nesterov=true'],
    [{ alpha: 0, seed: 0, engine: 'fused' }, 'alpha=0,seed=0,engine=fused'],
    [{ alpha: 0, seed: 0, init: 'runs/a b.json' }, 'alpha=0,seed=0,init=runs%2Fa%20b.json'],
    [{ alpha: 0, seed: 0, name: 'a=b,c' }, 'alpha=0,seed=0,name=a%3Db%2Cc'],
    [{ alpha: 0, seed: 0, name: 'C:\\x*?' }, 'alpha=0,seed=0,name=C%3A%5Cx%2A%3F'],
    [{ alpha: 0, seed: 0, name: 'é' }, 'alpha=0,seed=0,name=%C3%A9'],
    [{ alpha: 0, seed: 0, name: 'α🙂' }, 'alpha=0,seed=0,name=%CE%B1%F0%9F%99%82'],
    [{ alpha: 0, seed: 0, name: '~%' }, 'alpha=0,seed=0,name=%7E%25'],
    [{ alpha: 0, seed: 0, 'a key': 'v' }, 'alpha=0,seed=0,a%20key=v'],
    [{ alpha: 0, seed: 0, x: 'A-z_0.9+' }, 'alpha=0,seed=0,x=A-z_0.9+'],
  ])('%j → %s', (coords, id) => {
    expect(formatRunId(coords)).toBe(id);
  });

  it('keeps an id of exactly the limit as it is', () => {
    const base = 'alpha=0,seed=0,x=';
    const id = formatRunId({ alpha: 0, seed: 0, x: 'v'.repeat(MAX_ID_LENGTH - base.length) });
    expect(id).toHaveLength(MAX_ID_LENGTH);
    expect(id).not.toContain('~');
  });

  it('shortens a long id to its first characters, `~`, and a hash of the whole id', () => {
    const coords = { alpha: 0, seed: 0, x: 'v'.repeat(300) };
    const full = `alpha=0,seed=0,x=${'v'.repeat(300)}`;
    const hash = createHash('sha256').update(full).digest('hex').slice(0, LONG_ID_HASH_HEX);
    const id = formatRunId(coords);
    expect(id).toBe(`${full.slice(0, LONG_ID_PREFIX)}~${hash}`);
    expect(id).toHaveLength(LONG_ID_PREFIX + 1 + LONG_ID_HASH_HEX);
  });

  it('keeps long ids apart when they share their first characters', () => {
    const a = formatRunId({ alpha: 0, seed: 0, x: `${'v'.repeat(200)}a` });
    const b = formatRunId({ alpha: 0, seed: 0, x: `${'v'.repeat(200)}b` });
    expect(a.slice(0, LONG_ID_PREFIX)).toBe(b.slice(0, LONG_ID_PREFIX));
    expect(a).not.toBe(b);
  });
});

describe('encodeIdPart', () => {
  it.each(['plain', '../../etc/passwd', 'a/b\\c', 'x y\tz\n', 'CON:', '%41', 'ünï', '"quoted"', "it's", '*?<>|', '日本'])(
    '%j contains only safe characters',
    (text) => {
      const encoded = encodeIdPart(text);
      expect(encoded).toMatch(/^[A-Za-z0-9._+%-]*$/);
      expect(decodeURIComponent(encoded)).toBe(text);
    },
  );
});

describe('spec/ stays pure', () => {
  const dir = join(import.meta.dirname, '../../src/spec');
  it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')))('%s touches no file system, process or tfjs', (file) => {
    const source = readFileSync(join(dir, file), 'utf8');
    expect(source).not.toMatch(/from ['"](node:)?(fs|fs\/promises|child_process)['"]/);
    expect(source).not.toMatch(/\bprocess\./);
    expect(source).not.toMatch(/from ['"](@tensorflow\/[^'"]+|chalk|commander|cli-progress)['"]/);
  });
});
