/**
 * The queue's names and ids (src/cluster/queue/queue-names.ts) and the --queue URL
 * (redis-target.ts): a job id per plan and run that BullMQ accepts, the same for the same plan,
 * another for the same grid elsewhere; job data checked; URLs read or refused in one line.
 */
import { describe, expect, it } from 'vitest';
import { computePlanHash, jobIdOf, parseJobData, runJobOptions } from '../../src/cluster/queue/queue-names.js';
import { parseRedisUrl } from '../../src/cluster/queue/redis-target.js';

const PLAN = {
  created: '2026-12-05T10:00:00.000Z',
  runs: [
    { id: 'alpha=0,seed=0', config_sha256: 'a'.repeat(64) },
    { id: 'alpha=0.1,seed=0', config_sha256: 'b'.repeat(64) },
  ],
};

describe('job ids', () => {
  it('are <16 hex digits>-<index>: no ":" and not a whole number, as BullMQ requires', () => {
    const id = jobIdOf(computePlanHash('/shared/results/a', PLAN), 1);
    expect(id).toMatch(/^[0-9a-f]{16}-1$/);
  });

  it('are the same for the same plan, and differ with its directory, its creation or any run', () => {
    const h = computePlanHash('/shared/results/a', PLAN);
    expect(computePlanHash('/shared/results/a', structuredClone(PLAN))).toBe(h);
    expect(computePlanHash('/shared/results/b', PLAN)).not.toBe(h);
    expect(computePlanHash('/shared/results/a', { ...PLAN, created: '2026-12-05T10:00:01.000Z' })).not.toBe(h);
    expect(computePlanHash('/shared/results/a', { ...PLAN, runs: [PLAN.runs[0]!, { ...PLAN.runs[1]!, config_sha256: 'c'.repeat(64) }] })).not.toBe(h);
    expect(computePlanHash('/shared/results/a', { ...PLAN, runs: [PLAN.runs[0]!] })).not.toBe(h);
  });
});

describe('job data', () => {
  it('is read back as written, and anything else is not a run', () => {
    const data = { dir: '/shared/results/a', index: 3, id: 'alpha=0,seed=3', plan: '0123456789abcdef' };
    expect(parseJobData(JSON.parse(JSON.stringify(data)))).toEqual(data);
    expect(parseJobData({ ...data, index: -1 })).toBeNull();
    expect(parseJobData({ ...data, index: 1.5 })).toBeNull();
    expect(parseJobData({ dir: '/x', index: 0 })).toBeNull();
    expect(parseJobData('run 3')).toBeNull();
  });
});

describe('job options', () => {
  it('3 attempts with exponential backoff (10 s unless MO_TRAIN_QUEUE_BACKOFF_MS says otherwise)', () => {
    expect(runJobOptions({})).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 10_000 } });
    expect(runJobOptions({ MO_TRAIN_QUEUE_BACKOFF_MS: '250' }).backoff.delay).toBe(250);
    expect(runJobOptions({ MO_TRAIN_QUEUE_BACKOFF_MS: 'soon' }).backoff.delay).toBe(10_000);
  });
});

describe('--queue URL', () => {
  it.each([
    ['redis://127.0.0.1:6380', { host: '127.0.0.1', port: 6380 }, 'redis://127.0.0.1:6380'],
    ['redis://cache.example', { host: 'cache.example', port: 6379 }, 'redis://cache.example'],
    ['redis://h:7000/2', { host: 'h', port: 7000, db: 2 }, 'redis://h:7000/2'],
    ['redis://[::1]:6379', { host: '::1', port: 6379 }, 'redis://[::1]:6379'],
    ['redis://:s%40cret@h:6379', { host: 'h', port: 6379, password: 's@cret' }, 'redis://:***@h:6379'],
    ['rediss://user:pw@h:6380', { host: 'h', port: 6380, username: 'user', password: 'pw', tls: { servername: 'h' } }, 'rediss://user:***@h:6380'],
  ])('%s', (url, options, shown) => {
    const target = parseRedisUrl(url);
    expect(target.options).toEqual(options);
    expect(target.shown).toBe(shown);
  });

  it.each([
    ['localhost:6379', 'the scheme is localhost'],
    ['http://h:6379', 'the scheme is http'],
    ['redis://h:65536', 'not a URL'],
    ['redis://h:6379/zero', 'the database "zero" is not a number'],
    ['redis://h:6379?db=1', 'options after ? or # are not read'],
    ['redis://', 'no host'],
    ['', 'not a URL'],
  ])('%j is refused: %s', (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(`--queue: "${url}" is not valid (${why}); allowed: redis://HOST:PORT[/DB]`);
  });
});
