/**
 * Reads `<dir>/boundary.json` (what `mo-train boundary` found) for plot and report. The file is
 * optional: absent, the directory is an ordinary sweep. Present but unusable, plot and report still
 * draw the runs, so what is wrong is a warning, not an exception (as read-results.ts treats an
 * unusable sweep.json).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOUNDARY_FORMAT_VERSION, parseBoundaryFile, type BoundaryFile } from '../results/boundary-file.js';
import { parseJson } from '../results/json.js';
import { BOUNDARY_FILE } from '../results/layout.js';
import { parseFormatVersion } from '../results/parsed.js';

export interface BoundaryRead {
  /** The file, validated; null when it is absent or cannot be used. */
  readonly boundary: BoundaryFile | null;
  /** One line naming the file and what is wrong with it (or that its format is newer); null when it is absent or fine. */
  readonly issue: string | null;
}

export async function readBoundary(dir: string): Promise<BoundaryRead> {
  const path = join(dir, BOUNDARY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { boundary: null, issue: null };
    return { boundary: null, issue: `${path}: cannot read it (${code ?? (err as Error).message}); no boundary shown` };
  }
  if (text.trim() === '') return { boundary: null, issue: `${path}: empty file; no boundary shown` };
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    return { boundary: null, issue: `${path}: not valid JSON (${(err as Error).message}); no boundary shown` };
  }
  const version = parseFormatVersion(value);
  const newer =
    version !== null && version > BOUNDARY_FORMAT_VERSION ? `format_version ${version} is newer than this mo-train reads (${BOUNDARY_FORMAT_VERSION})` : null;
  const parsed = parseBoundaryFile(value);
  if (!parsed.ok) return { boundary: null, issue: `${path}: ${parsed.issue}${newer ? ` (${newer})` : ''}; no boundary shown` };
  // Like sweep.json: a newer file that still matches is shown, and said, since its fields may mean more than they do here.
  return { boundary: parsed.value, issue: newer ? `${path}: ${newer}; reading what it can` : null };
}
