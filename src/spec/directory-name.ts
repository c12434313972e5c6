/**
 * The name of a default results directory, from an experiment's or a module's name (or its file
 * name) as written. Pure.
 */

/** UTF-8 bytes a name may take: file systems count bytes (255 a component), and a timestamp follows it. */
const MAX_NAME_BYTES = 100;

/**
 * Letters and digits of any script (`α`, `é`) and `.`, `_`, `+`, `-` are kept; every other run of
 * characters becomes one `-`, and `-` runs collapse; no `-` or `.` at either end (a leading `-`
 * reads as an option to `ls` or `rm`, a trailing `.` is dropped by Windows, and `..` is no name);
 * cut at whole characters. Nothing left: `sweep`.
 */
export function computeDirectoryName(raw: string): string {
  const trim = (s: string) => s.replace(/^[-.]+|[-.]+$/g, '');
  const safe = trim(
    raw
      .normalize('NFC')
      .replace(/[^\p{L}\p{M}\p{N}._+-]+/gu, '-')
      .replace(/-{2,}/g, '-'),
  );
  let out = '';
  let bytes = 0;
  for (const c of safe) {
    const cp = c.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes > MAX_NAME_BYTES) break;
    out += c;
  }
  return trim(out) || 'sweep';
}
