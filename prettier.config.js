// @ts-check
/**
 * The formatter, set to the style the code was written in, so that formatting the tree changes as
 * few lines as it can. Measured on the tree as it was (prettier --write on a copy, lines changed):
 * printWidth 120 → 1526, 140 → 912, 160 → 609, 180 → 598; the code's own lines run to about 160,
 * past that mostly string literals, which prettier never breaks.
 * @type {import('prettier').Config}
 */
export default {
  printWidth: 160,
  singleQuote: true,
  // semicolons and `(x) =>` are prettier's defaults, and the code's.
  trailingComma: 'all',
  // Never reformat the inside of a template literal: html`…` and css`…` hold the report's markup,
  // whose whitespace is part of what a test (and a reader of the page source) sees.
  embeddedLanguageFormatting: 'off',
};
