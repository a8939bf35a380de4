/**
 * The one reader of request body text. Every body is decoded here, JSON bodies parsed here:
 * - UTF-8, strictly: invalid bytes are refused, not replaced with U+FFFD (a repaired name is
 *   not the name that was sent, and the signature over the bytes would cover something else);
 *   a leading BOM is kept, so JSON.parse refuses it rather than it vanishing silently.
 * - at most MAX_JSON_DEPTH levels of arrays and objects, checked by a scan of the text before
 *   JSON.parse builds anything: no schema or serializer later walks a structure deep enough to
 *   exhaust the stack (5,000 levels did, in the Vonage signature check).
 * - no string, key or value, holding NUL or half of a surrogate pair: PostgreSQL's text and
 *   jsonb can store neither, and the database refusing them is a 500, not a 400.
 * - no "__proto__" key: no API object has one, and code that copies keys with assignment
 *   would change an object's prototype instead.
 * The size of a body is bounded before this, by the body limit (BODY_LIMIT_BYTES).
 */

export const MAX_JSON_DEPTH = 64;

/** A body we refuse to read; the message says why, for the 400. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BodyError('request body is not valid UTF-8');
  }
}

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Refuses JSON text nested deeper than `max`; brackets inside strings do not count. */
export function checkJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > max) throw new BodyError(`request body is nested more than ${max} levels deep`);
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) depth--;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): string | null {
  if (text.includes('\u0000')) return 'NUL (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'half of a surrogate pair';
  return null;
}

function refuseHostile(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new BodyError('request body has a "__proto__" key');
  const inKey = unstorable(key);
  if (inKey) throw new BodyError(`request body has a key containing ${inKey}`);
  if (typeof value === 'string') {
    const inValue = unstorable(value);
    if (inValue)
      throw new BodyError(`request body has text containing ${inValue}${key ? ` at "${key}"` : ''}`);
  }
  return value;
}

/** Parses JSON text under the rules above. */
export function parseJsonText(text: string): unknown {
  checkJsonDepth(text);
  try {
    return JSON.parse(text, refuseHostile);
  } catch (error) {
    if (error instanceof BodyError) throw error;
    throw new BodyError('request body is not valid JSON');
  }
}

/** Decodes and parses a JSON body under the rules above. */
export const parseJsonBytes = (bytes: Uint8Array): unknown => parseJsonText(decodeUtf8(bytes));

/** Is this Content-Type a JSON one (application/json, application/…+json)? */
export const isJsonType = (contentType: string): boolean =>
  /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());

/** Is this Content-Type text we decode (JSON, forms, text/*)? */
export const isTextType = (contentType: string): boolean =>
  isJsonType(contentType) ||
  /^(?:application\/x-www-form-urlencoded|text\/[\w.+-]+)\s*(?:;|$)/i.test(contentType.trim());
