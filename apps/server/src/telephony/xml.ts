/**
 * A minimal XML writer for provider documents. Every piece of text and every attribute value
 * goes through `escapeXml`: a hotline name or greeting typed by an admin must never be able to
 * add a verb (say, a <Dial> to another number) to what the provider executes.
 */

/** Characters XML 1.0 forbids outright (controls other than tab/newline/return, lone surrogates, U+FFFE/F). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters removed
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(FORBIDDEN, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type Attributes = Record<string, string | number | boolean | undefined>;

/** One element; `children` are already-rendered XML, `text` is escaped here. */
export function element(
  name: string,
  attributes: Attributes = {},
  content?: { text: string } | string[],
): string {
  const attrs = Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join('');
  if (content === undefined || (Array.isArray(content) && content.length === 0)) return `<${name}${attrs}/>`;
  const inner = Array.isArray(content) ? content.join('') : escapeXml(content.text);
  return `<${name}${attrs}>${inner}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
