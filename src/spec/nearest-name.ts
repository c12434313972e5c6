/**
 * "Did you mean …?" for misspelled keys and names. Pure.
 */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbours each cost 1, so `lr`→`rl` and `optimzier`→`optimizer` are one edit away.
 */
export function computeEditDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known name closest to `input`, or null when none is close enough to be a typo: up to 1 edit
 * for names of ≤ 3 characters, 2 up to 6, 3 beyond. Case and `-` versus `_` do not count
 * (`log-every` finds `log_every`).
 */
export function findNearestName(input: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replaceAll('-', '_');
  const target = norm(input);
  const budget = target.length <= 3 ? 1 : target.length <= 6 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    if (name === input) continue;
    const distance = computeEditDistance(target, norm(name));
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return bestDistance <= budget ? best : null;
}

/** ` (did you mean "x"?)`, or nothing. */
export function renderSuggestion(input: string, known: readonly string[]): string {
  const near = findNearestName(input, known);
  return near === null ? '' : ` (did you mean "${near}"?)`;
}
