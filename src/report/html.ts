/**
 * HTML built from typed pieces. Run ids, settings and explanations come from files in a results
 * directory, which anyone can write: every interpolated string is escaped unless it is already
 * `Html` (markup this module or a `html` template made). Pure.
 */

const TRUSTED: unique symbol = Symbol('Html');

/**
 * Markup that is safe to place as is. Only this module can make one (the symbol is not
 * exported): through `html` templates, `raw` and `joinHtml`.
 */
export interface Html {
  readonly [TRUSTED]: true;
  readonly text: string;
}

function trust(text: string): Html {
  return { [TRUSTED]: true, text };
}

/** What a template can interpolate: text (escaped), markup, nothing, or a list of those. */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

/** A template whose interpolations are escaped, e.g. html`<td>${runId}</td>`. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += renderValue(value) + strings[i + 1]!;
  });
  return trust(out);
}

/** Markup written by this program itself (a stylesheet, the page script): never user text. */
export function raw(text: string): Html {
  return trust(text);
}

export function joinHtml(parts: readonly HtmlValue[], separator = ''): Html {
  return trust(parts.map(renderValue).join(separator));
}

function renderValue(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string' || typeof value === 'number') return escapeHtml(String(value));
  if (TRUSTED in value) return (value as Html).text;
  return (value as readonly HtmlValue[]).map(renderValue).join('');
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block. `<` is written `\u003c` (the same string
 * to JSON.parse), so no value can close the block (`</script`) or open an HTML comment (`<!--`),
 * which would change how the browser finds the block's end. U+2028/U+2029 likewise, for any
 * reader that treats the text as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A script written elsewhere (the vega builds) inlined in a `<script>` element. Its text cannot be
 * rewritten safely (`<\/script` is only equivalent inside string and regex literals), so text that
 * would end the element early is refused instead.
 */
export function inlineScript(code: string, name: string): Html {
  if (/<\/script|<!--/i.test(code)) throw new Error(`${name} contains "</script" or "<!--" and cannot be inlined in a <script> element`);
  return trust(`<script>${code}</script>`);
}
