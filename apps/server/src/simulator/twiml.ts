/**
 * Reads the TwiML documents the hotline answers the simulated carrier with. Only what our own
 * renderer writes needs to be understood (elements, attributes, text, the five XML entities),
 * so this is a small strict reader, not a general XML parser: anything else is an error the
 * simulator reports instead of guessing.
 */
export interface Verb {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: Verb[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeEntities = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);

export class TwimlError extends Error {
  override readonly name = 'TwimlError';
}

export function parseTwiml(xml: string): Verb[] {
  const body = xml.replace(/^<\?xml[^?]*\?>/, '').trim();
  let at = 0;
  const fail = (message: string): never => {
    throw new TwimlError(`${message} at ${at}`);
  };
  const element = (): Verb => {
    const open = /^<([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>/.exec(body.slice(at));
    if (!open) return fail('expected an element');
    at += open[0].length;
    const attributes: Record<string, string> = {};
    for (const m of (open[2] ?? '').matchAll(/([A-Za-z]+)="([^"]*)"/g))
      attributes[m[1]!] = decodeEntities(m[2]!);
    const verb: Verb = { name: open[1]!, attributes, text: '', children: [] };
    if (open[3] === '/') return verb;
    for (;;) {
      if (body.startsWith(`</${verb.name}>`, at)) {
        at += verb.name.length + 3;
        return verb;
      }
      if (body[at] === '<') verb.children.push(element());
      else {
        const end = body.indexOf('<', at);
        if (end < 0) fail('unterminated element');
        verb.text += decodeEntities(body.slice(at, end));
        at = end;
      }
    }
  };
  const root = element();
  if (root.name !== 'Response') throw new TwimlError('the document is not a <Response>');
  return root.children;
}
