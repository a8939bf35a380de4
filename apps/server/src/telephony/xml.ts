/**
 * A minimal XML writer for provider documents. Every piece of text and every attribute value
 * goes through `escapeXml`: a hotline name or greeting typed by an admin must never be able to
 * add a verb (say, a <Dial> to another number) to what the provider executes.
 */

/**
 * Drops what XML 1.0 forbids outright: control characters other than tab, newline and return,
 * lone surrogates, U+FFFE and U+FFFF. A document containing one would be rejected whole.
 */
function withoutForbidden(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    const loneSurrogate = code >= 0xd800 && code <= 0xdfff;
    if (!control && !loneSurrogate && code !== 0xfffe && code !== 0xffff) out += char;
  }
  return out;
}

export function escapeXml(text: string): string {
  return withoutForbidden(text)

    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Attributes = Record<string, string | number | boolean | undefined>;

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
