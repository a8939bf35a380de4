import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PAGE_SCRIPT } from './page.js';

/** Just enough of a DOM for the page's script to build its cards. */
class FakeNode {
  readonly attributes: Record<string, string> = {};
  children: Array<FakeNode | string> = [];
  options: unknown[] = [];
  value = '';
  textContent = '';
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  addEventListener() {}
  append(...nodes: Array<FakeNode | string>) {
    this.children.push(...nodes);
  }
  replaceChildren(...nodes: Array<FakeNode | string>) {
    this.children = nodes;
  }
  *walk(): Generator<FakeNode> {
    yield this;
    for (const c of this.children) if (typeof c !== 'string') yield* c.walk();
  }
}

function renderPage(state: unknown): Map<string, FakeNode> {
  const byId = new Map<string, FakeNode>();
  const document = {
    createElement: (tag: string) => new FakeNode(tag),
    getElementById: (id: string) => {
      if (!byId.has(id)) byId.set(id, new FakeNode('div'));
      return byId.get(id);
    },
  };
  const fetch = async () => ({ ok: true, json: async () => state });
  runInNewContext(`${PAGE_SCRIPT}\n;render(${JSON.stringify(state)});`, {
    document,
    fetch,
    setInterval: () => 0,
  });
  return byId;
}

describe('simulator page', () => {
  it('shows a volunteer’s name and what the phone heard each with its own direction', () => {
    const name = 'Ana \u202Eevil\u202C';
    const byId = renderPage({
      hotlineNumbers: ['+15550100'],
      callers: [],
      phones: [
        {
          sid: 's1',
          status: 'ringing',
          connected: false,
          heard: ['Línea \u202Ex'],
          errors: [],
          volunteer: name,
        },
      ],
    });
    const nodes = [...byId.get('phones')!.walk()];
    const heading = nodes.find((n) => n.tag === 'h3')!;
    expect(heading.children).toEqual([name]);
    expect(heading.attributes.dir).toBe('auto');
    for (const line of nodes.filter((n) => n.tag === 'li')) expect(line.attributes.dir).toBe('auto');
  });
});
