/**
 * Lists inside the reading's sentences (`0.1, 0.2 and 1`, `oscillating or diverged`), one spelling
 * for the sweep's reading and the boundary's. Pure.
 */

/** More values than this in a sentence are abbreviated. */
export const MAX_LISTED = 6;

/** Long lists (a linspace of 25 α) as their first two, an ellipsis, the last and how many. */
export function joinAnd(items: readonly string[]): string {
  if (items.length > MAX_LISTED) return `${items.slice(0, 2).join(', ')}, … ${items.at(-1)} (${items.length} values)`;
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `oscillating or diverged`, `a, b or c`. */
export function joinOr(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
