/**
 * Text widths for laying charts out without a browser. Headless Vega has no canvas to measure
 * text, so it guesses 0.8 em per character — far wider than DejaVu Sans, the font the SVG declares
 * and the PNG is drawn with — and then leaves gaps after every title, label and legend entry.
 * These are DejaVu Sans's own advance widths, so the layout fits the text as it will be drawn.
 */

/**
 * Advance widths in em of DejaVu Sans (Book) for printable ASCII and the symbols the charts use,
 * read from the hmtx table of DejaVuSans.ttf 2.37 (units per em 2048).
 */
// prettier-ignore
const DEJAVU_SANS_EM = new Map<string, number>([
  [' ', 0.318], ['!', 0.401], ['"', 0.46], ['#', 0.838], ['$', 0.636], ['%', 0.95], ['&', 0.78],
  ["'", 0.275], ['(', 0.39], [')', 0.39], ['*', 0.5], ['+', 0.838], [',', 0.318], ['-', 0.361], ['.', 0.318],
  ['/', 0.337], ['0', 0.636], ['1', 0.636], ['2', 0.636], ['3', 0.636], ['4', 0.636], ['5', 0.636],
  ['6', 0.636], ['7', 0.636], ['8', 0.636], ['9', 0.636], [':', 0.337], [';', 0.337], ['<', 0.838],
  ['=', 0.838], ['>', 0.838], ['?', 0.531], ['@', 1.0], ['A', 0.684], ['B', 0.686], ['C', 0.698],
  ['D', 0.77], ['E', 0.632], ['F', 0.575], ['G', 0.775], ['H', 0.752], ['I', 0.295], ['J', 0.295],
  ['K', 0.656], ['L', 0.557], ['M', 0.863], ['N', 0.748], ['O', 0.787], ['P', 0.603], ['Q', 0.787],
  ['R', 0.695], ['S', 0.635], ['T', 0.611], ['U', 0.732], ['V', 0.684], ['W', 0.989], ['X', 0.685],
  ['Y', 0.611], ['Z', 0.685], ['[', 0.39], ['\\', 0.337], [']', 0.39], ['^', 0.838], ['_', 0.5], ['`', 0.5],
  ['a', 0.613], ['b', 0.635], ['c', 0.55], ['d', 0.635], ['e', 0.615], ['f', 0.352], ['g', 0.635],
  ['h', 0.634], ['i', 0.278], ['j', 0.278], ['k', 0.579], ['l', 0.278], ['m', 0.974], ['n', 0.634],
  ['o', 0.612], ['p', 0.635], ['q', 0.635], ['r', 0.411], ['s', 0.521], ['t', 0.392], ['u', 0.634],
  ['v', 0.592], ['w', 0.818], ['x', 0.592], ['y', 0.592], ['z', 0.525], ['{', 0.636], ['|', 0.337],
  ['}', 0.636], ['~', 0.838], ['α', 0.659], ['β', 0.638], ['–', 0.5], ['—', 1.0], ['·', 0.318], ['×', 0.838],
  ['✕', 0.838], ['▲', 0.769], ['◇', 0.769], ['→', 0.838], ['↓', 0.838], ['↑', 0.838], ['≤', 0.838],
  ['≥', 0.838], ['−', 0.838], ['…', 1.0],
]);

/** A character not in the table: about the width of a digit. */
const OTHER_EM = 0.65;
/** DejaVu Sans Bold is about this much wider than Book, character for character. */
const BOLD_FACTOR = 1.09;

/** The width in px of `text` set in DejaVu Sans at `fontSize` px. */
export function measureText(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += DEJAVU_SANS_EM.get(ch) ?? OTHER_EM;
  return em * fontSize * (bold ? BOLD_FACTOR : 1);
}
