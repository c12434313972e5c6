/**
 * Chart specs to SVG (headless Vega: compiled by Vega-Lite, rendered without a canvas) and SVG to
 * PNG (resvg). Both are deterministic: the same spec gives the same bytes.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FONT_FAMILY, findChartFonts, type ChartFonts } from '../io/find-fonts.js';
import { measureText } from './text-metrics.js';

/** PNGs are drawn at twice the SVG's size: crisp on high-density screens and in documents, still small. */
export const PNG_SCALE = 2;

/**
 * The family the SVG declares, with fallbacks for a browser that lacks it: resvg is given exactly
 * DejaVu Sans (below), so the PNG and the SVG use the same font wherever DejaVu is.
 */
const FONT_STACK = `${CHART_FONT_FAMILY}, Verdana, Arial, sans-serif`;

interface TextItem {
  readonly text?: unknown;
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}

/**
 * Vega measures text with a canvas when there is one and guesses otherwise; in node there is none.
 * Its `textMetrics.width` is the hook it offers for that (module state, so set once per process).
 */
function useDejaVuMetrics(): void {
  const metrics = (vega as unknown as { textMetrics?: { width: (item: TextItem, text?: unknown) => number } }).textMetrics;
  if (!metrics) return;
  metrics.width = (item, text) => {
    const value = text ?? item.text;
    const lines = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
    const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
    // Vega's default size for text without one is 11 px.
    return Math.max(0, ...lines.map((line) => measureText(line, item.fontSize ?? 11, bold)));
  };
}

let metricsSet = false;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  if (!metricsSet) {
    useDejaVuMetrics();
    metricsSet = true;
  }
  const withFont = { ...spec, config: { ...spec.config, font: FONT_STACK } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withFont).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let fonts: ChartFonts | null = null;

/** Where the PNG's font comes from: a note for the user when it is not the bundled one. */
export function chartFonts(): ChartFonts {
  fonts ??= findChartFonts();
  return fonts;
}

export function renderPng(svg: string): Uint8Array {
  const { files } = chartFonts();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    background: 'white',
    font: {
      fontFiles: [...files],
      // Without DejaVu, any installed font beats no text at all.
      loadSystemFonts: files.length === 0,
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
  });
  return resvg.render().asPng();
}
