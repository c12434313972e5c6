/**
 * `mo-train report` opened in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the page loads without errors or network, the tables sort, every chart draws,
 * a hover shows a tooltip, a legend click toggles a run, and text from the results directory
 * cannot inject markup. Runs the built CLI (dist/), like the other end-to-end tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeTempDir, removeTempDirs, requireBuilt } from '../fixtures/e2e-harness.js';
import { CLEAN_RUNS, makeSummary, runIdOf, writeFinishedRun, writeSweepJson, type Coords } from '../fixtures/results/build-results.js';

/** Debian's chromium; CHROMIUM_PATH points elsewhere. Missing is a failure, not a skip: CI installs it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The sweep the report is made of: 3 α × 2 seeds, short runs. */
const ALPHAS = ['0', '0.1', '1'];
const SEEDS = [0, 1];
const RUN_IDS = ALPHAS.flatMap((a) => SEEDS.map((s) => `alpha=${a},seed=${s}`));

let browser: Browser;
let work: string;
let reportFile: string;

beforeAll(async () => {
  requireBuilt();
  expect(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's with \`apt-get install chromium\` (.ci/run does), or set CHROMIUM_PATH`).toBe(
    true,
  );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  work = makeTempDir('report');
  const sweep = await cli(['sweep', '--alpha', ALPHAS.join(','), '--seeds', '0-1', '--steps', '3000', '--jobs', '2', '--out', 'sweep'], { cwd: work });
  expect(sweep.code, sweep.stderr).toBe(0);
  const report = await cli(['report', 'sweep'], { cwd: work });
  expect(report.code, report.stderr).toBe(0);
  reportFile = join(work, 'sweep', 'report.html');
  expect(report.stdout).toBe(`${join('sweep', 'report.html')}\n`);
});

afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

interface OpenedReport {
  readonly page: Page;
  /** Console errors and uncaught exceptions. */
  readonly errors: string[];
  /** Every request that was not for a file:, data: or blob: URL (all of them are refused). */
  readonly network: string[];
}

async function openReport(file: string): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  const network: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (req) => {
    if (!/^(file|data|blob):/.test(req.url())) network.push(req.url());
  });
  await page.route(/^(?!file:|data:|blob:)/, (route) => route.abort());
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => (globalThis as any).document.body.dataset.charts !== undefined, null, { timeout: 60_000 });
  return { page, errors, network };
}

/** A mark of a vega scenegraph with its items placed in page coordinates. */
interface SceneItem {
  readonly x: number;
  readonly y: number;
  readonly datum: { readonly run?: string; readonly step?: number; readonly verdict?: string; readonly value?: unknown };
  readonly opacity: number | null;
  readonly strokeOpacity: number | null;
}

interface SceneMark {
  readonly marktype: string;
  readonly role: string;
  readonly items: readonly SceneItem[];
}

/**
 * Every mark of a chart's scenegraph, its items at page coordinates: the canvas's position, the
 * view's origin and padding, and the offsets of the groups around the item; the chart is scrolled
 * into view first. Of each item's datum only the fields the tests look at. (Inside
 * page.evaluate the browser's globals are untyped: the project compiles without DOM types.)
 */
function sceneMarks(page: Page, chartId: string): Promise<SceneMark[]> {
  return page.evaluate((id) => {
    const w = globalThis as any;
    const view = w.__moTrainViews[id];
    // In the viewport, where the mouse can reach it (the charts are shorter than the viewport).
    w.document.querySelector(`#chart-${id}`).scrollIntoView({ block: 'start' });
    const canvas = w.document.querySelector(`#chart-${id} canvas`).getBoundingClientRect();
    const [ox, oy] = view.origin() as [number, number];
    const padding = view.padding() as { left: number; top: number };
    const marks: any[] = [];
    const visit = (mark: any, dx: number, dy: number) => {
      const out = { marktype: mark.marktype, role: mark.role, items: [] as any[] };
      marks.push(out);
      for (const item of mark.items ?? []) {
        const x = dx + (item.x ?? 0);
        const y = dy + (item.y ?? 0);
        const d = item.datum && typeof item.datum === 'object' ? item.datum : {};
        const datum = { run: d.run, step: d.step, verdict: d.verdict, value: d.value };
        out.items.push({ x, y, datum, opacity: item.opacity ?? null, strokeOpacity: item.strokeOpacity ?? null });
        if (mark.marktype === 'group') for (const child of item.items ?? []) visit(child, x, y);
      }
    };
    visit(view.scenegraph().root, canvas.left + ox + padding.left, canvas.top + oy + padding.top);
    return marks;
  }, chartId);
}

const lineItems = (marks: readonly SceneMark[]) => marks.filter((m) => m.marktype === 'line' && m.role === 'mark').flatMap((m) => m.items);
const runsOf = (items: SceneMark['items']) => new Set(items.map((i) => i.datum.run));

describe('report.html of a sweep, in Chromium', () => {
  let opened: OpenedReport;
  beforeAll(async () => {
    opened = await openReport(reportFile);
  });

  it('loads with no console errors, no page errors and no network requests', async () => {
    expect(await opened.page.evaluate(() => (globalThis as any).document.body.dataset.charts)).toBe('ready');
    expect(opened.errors).toEqual([]);
    expect(opened.network).toEqual([]);
    expect(await opened.page.title()).toContain('mo-train report: seed');
  });

  it('sorts the stability table on a header click: ascending, then descending', async () => {
    const { page } = opened;
    const column = async (header: string) =>
      page.evaluate((h) => {
        const table = (globalThis as any).document.querySelector('#run-table');
        const index = [...table.tHead.rows[0].cells].findIndex((c: any) => c.textContent.trim() === h);
        return [...table.tBodies[0].rows].map((r: any) => Number(r.cells[index].getAttribute('data-sort')));
      }, header);
    const before = await column('final loss2');
    await page.click('#run-table th:text-is("final loss2")');
    expect(await column('final loss2')).toEqual([...before].sort((a, b) => a - b));
    await page.click('#run-table th:text-is("final loss2")');
    const descending = await column('final loss2');
    expect(descending).toEqual([...before].sort((a, b) => b - a));
    // The sweep's order is by α, not by loss2 descending: the click did reorder.
    expect(descending).not.toEqual(before);
    expect(await page.getAttribute('#run-table th:text-is("final loss2")', 'aria-sort')).toBe('descending');
    // The run ids moved with their rows.
    const ids = await page.$$eval('#run-table tbody td.id', (cells) => cells.map((c) => c.textContent));
    expect(new Set(ids)).toEqual(new Set(RUN_IDS));
  });

  it('draws every chart, the loss curves with one series per run', async () => {
    const { page } = opened;
    const ids = await page.$$eval('.chart', (els) => els.map((e) => e.id.replace(/^chart-/, '')));
    expect(new Set(ids)).toEqual(new Set(['loss-curves', 'final-vs-alpha', 'tradeoff', 'verdicts-by-alpha']));
    for (const id of ids) {
      const size = await page.$eval(`#chart-${id} canvas`, (c) => [c.getBoundingClientRect().width, c.getBoundingClientRect().height]);
      expect(size[0], id).toBeGreaterThan(100);
      expect(size[1], id).toBeGreaterThan(100);
    }
    expect(runsOf(lineItems(await sceneMarks(page, 'loss-curves')))).toEqual(new Set(RUN_IDS));
  });

  it('shows a tooltip with the run, step and values on hover', async () => {
    const { page } = opened;
    // The hover targets: the invisible points over the curves. Aim at the one farthest from any
    // other run's, so the tooltip can only be about its run (points of the same run overlap, so
    // the step shown is one near the target's).
    const points = (await sceneMarks(page, 'loss-curves'))
      .filter((m) => m.marktype === 'symbol' && m.role === 'mark')
      .flatMap((m) => m.items)
      .filter((i) => typeof i.datum.run === 'string');
    const isolation = (p: SceneItem) => Math.min(...points.filter((q) => q.datum.run !== p.datum.run).map((q) => Math.hypot(q.x - p.x, q.y - p.y)));
    const target = points.filter((_, i) => i % 7 === 0).reduce((a, b) => (isolation(b) > isolation(a) ? b : a));
    await page.mouse.move(target.x, target.y);
    const tooltip = page.locator('#vg-tooltip-element.visible');
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await tooltip.innerText();
    expect(text).toContain(String(target.datum.run));
    for (const field of ['step', 'loss1', 'loss2']) expect(text, text).toMatch(new RegExp(`${field}\\s+[-−]?\\d`));
    await page.mouse.move(0, 0);
  });

  it('toggles runs from the legend: a click on a verdict fades the runs of the others, a click on an empty spot shows all again', async () => {
    const { page } = opened;
    const opacityByRun = async () => {
      const byRun = new Map<string, number>();
      for (const item of lineItems(await sceneMarks(page, 'loss-curves'))) byRun.set(String(item.datum.run), (item.opacity ?? 1) * (item.strokeOpacity ?? 1));
      return byRun;
    };
    const verdictOf = new Map(lineItems(await sceneMarks(page, 'loss-curves')).map((i) => [String(i.datum.run), String(i.datum.verdict)]));
    const verdicts = [...new Set(verdictOf.values())];
    expect(verdicts.length, 'the sweep needs runs of two verdicts for this test').toBeGreaterThan(1);
    const before = await opacityByRun();
    expect(new Set(before.values()).size).toBe(1);

    const picked = verdicts[0]!;
    const label = (await sceneMarks(page, 'loss-curves'))
      .filter((m) => m.role === 'legend-label')
      .flatMap((m) => m.items)
      .find((i) => i.datum.value === picked);
    expect(label, `a legend entry for ${picked}`).toBeDefined();
    await page.mouse.click(label!.x + 3, label!.y);
    const fadedWhenPicked = async () => {
      const now = await opacityByRun();
      return [...now].every(([run, o]) => (verdictOf.get(run) === picked ? o === before.get(run) : o < before.get(run)!));
    };
    await expect.poll(fadedWhenPicked, { timeout: 10_000 }).toBe(true);

    // The canvas's top right corner: above the plots, right of the legend.
    const canvas = (await page.locator('#chart-loss-curves canvas').boundingBox())!;
    await page.mouse.click(canvas.x + canvas.width - 5, canvas.y + 5);
    await expect.poll(async () => [...(await opacityByRun())].every(([run, o]) => o === before.get(run)), { timeout: 10_000 }).toBe(true);
  });
});

describe('report.html of a results directory with hostile text', () => {
  // A run id cannot hold "/" (it names a directory), but can hold markup; settings can hold anything.
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const closer = '</script><script>window.__pwned=2</script><!--';
  const missing: Coords = { alpha: 0.1, seed: 2, note: hostile };
  let opened: OpenedReport;
  let dir: string;

  beforeAll(async () => {
    dir = join(makeTempDir('report-hostile'), 'results');
    const runs: Coords[] = CLEAN_RUNS.map((r) => ({ ...r.coords, note: hostile }));
    // And one run that never started: no values to sort by.
    writeSweepJson(dir, [...runs, missing], {
      name: closer,
      argv: ['sweep', closer],
      grid: { alpha: [0, 0.1], seeds: [0, 1], axes: [{ key: 'note', values: [hostile] }] },
    });
    for (const [i, r] of CLEAN_RUNS.entries()) writeFinishedRun(dir, makeSummary({ ...r, coords: runs[i]!, explanation: `${hostile} ${closer}` }));
    const report = await cli(['report', dir], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    opened = await openReport(join(dir, 'report.html'));
  });

  it('shows the text as text: nothing runs, the page and its charts work', async () => {
    const { page, errors, network } = opened;
    expect(await page.evaluate(() => (globalThis as any).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(errors).toEqual([]);
    expect(network).toEqual([]);
    expect(await page.evaluate(() => (globalThis as any).document.body.dataset.charts)).toBe('ready');
    const ids = await page.$$eval('#run-table tbody td.id', (cells) => cells.map((c) => c.textContent));
    expect(ids).toEqual([...CLEAN_RUNS.map((r) => r.coords), missing].map((c) => runIdOf({ ...c, note: hostile })));
    expect(await page.textContent('h1')).toBe(`mo-train report: ${closer}`);
  });

  it('sorts a run without values last, ascending and descending', async () => {
    const { page } = opened;
    const lastId = () => page.$eval('#run-table tbody tr:last-child td.id', (c) => c.textContent);
    const header = '#run-table th:text-is("final loss1")';
    await page.click(header);
    expect(await lastId()).toBe(runIdOf(missing));
    await page.click(header);
    expect(await page.getAttribute(header, 'aria-sort')).toBe('descending');
    expect(await lastId()).toBe(runIdOf(missing));
    const firstLoss = await page.$eval('#run-table tbody tr:first-child td.id', (c) => c.textContent);
    // The largest final loss1 of the clean runs comes first.
    const largest = CLEAN_RUNS.reduce((a, b) => (b.loss1 > a.loss1 ? b : a));
    expect(firstLoss).toBe(runIdOf({ ...largest.coords, note: hostile }));
  });

  it('links each run to its steps.csv, the id URL-encoded', async () => {
    const links = await opened.page.$$eval('#run-table tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('td.id')!.textContent, r.querySelector('a')?.getAttribute('href') ?? null]),
    );
    const first = runIdOf({ ...CLEAN_RUNS[0]!.coords, note: hostile });
    const href = links.find(([id]) => id === first)?.[1];
    expect(href).toBe(`runs/${encodeURIComponent(first)}/steps.csv`);
    // A run that never started has no steps.csv to link to.
    expect(links.find(([id]) => id === runIdOf(missing))?.[1]).toBeNull();
    // The link resolves to the file itself.
    const url = new URL(href!, pathToFileURL(join(dir, 'report.html')));
    expect(readFileSync(url, 'utf8')).toMatch(/^step,loss1,loss2/);
  });
});

describe('mo-train report', () => {
  it('writes --out elsewhere with links back into the results directory', async () => {
    const r = await cli(['report', 'sweep', '--out', 'elsewhere.html'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('elsewhere.html\n');
    const text = readFileSync(join(work, 'elsewhere.html'), 'utf8');
    expect(text).toContain(`href="sweep/runs/${encodeURIComponent(RUN_IDS[0]!)}/steps.csv"`);
  });

  it('says so when the file cannot be written: exit 2, one line, nothing left behind', async () => {
    const r = await cli(['report', 'sweep', '--out', 'nope/r.html'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mo-train: cannot write nope/r.html (ENOENT)\n');
    expect(existsSync(join(work, 'nope'))).toBe(false);
  });

  it.each([
    ['a directory that does not exist', ['report', 'nope'], /^mo-train: nope: no such directory/],
    ['a directory that is not a results directory', ['report', '.'], /not a results directory/],
  ])('refuses %s: exit 2, one line', async (_what, args, message) => {
    const r = await cli(args, { cwd: makeTempDir('report-bad') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
