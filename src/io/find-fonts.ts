/**
 * Font files for rendering charts to PNG. resvg draws text only with fonts it is given, and a
 * fresh machine may have none installed; so a font shipped as an npm package comes first (the
 * same on every machine), then the usual system locations.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The family the charts declare; DejaVu Sans has every symbol they use (α, ✕, ▲, ◇, →). */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

const FONT_PACKAGE = 'dejavu-fonts-ttf';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];
const SYSTEM_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/TTF',
  '/usr/share/fonts/dejavu',
  '/Library/Fonts',
  '/System/Library/Fonts/Supplemental',
];

export interface ChartFonts {
  /** DejaVu Sans files found; empty when there are none. */
  readonly files: readonly string[];
  /** Where they came from, for a note: the npm package, a system directory, or nowhere. */
  readonly source: 'package' | 'system' | 'none';
}

export function findChartFonts(): ChartFonts {
  const packaged = packageFontDir();
  if (packaged) return { files: FONT_FILES.map((f) => join(packaged, f)).filter((f) => existsSync(f)), source: 'package' };
  for (const dir of SYSTEM_DIRS) {
    const files = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length > 0) return { files, source: 'system' };
  }
  return { files: [], source: 'none' };
}

/** The ttf/ directory of the dejavu-fonts-ttf package when it is installed. */
function packageFontDir(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${FONT_PACKAGE}/package.json`);
    const dir = join(dirname(manifest), 'ttf');
    return existsSync(join(dir, FONT_FILES[0]!)) ? dir : null;
  } catch {
    return null;
  }
}
