import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serverSourceFiles, srcPath } from './server-sources.js';

/**
 * What a server process holds is said in one place: the ServerContext type (http/context.ts),
 * built by createContext (context.ts), with the subscriptions between modules made in server.ts.
 * This scan fails on the two shapes that hid state before:
 * - a collection keyed by the context (`new WeakMap<ServerContext, …>()` and kin): a registry
 *   no reader of the context type can see; give the context a field instead;
 * - an exported, empty, mutable collection at module level (`export const onX: Listener[] = []`):
 *   listeners pushed onto it at import time, so who hears what depends on which files happened
 *   to be imported; subscribe on `ctx.events` in server.ts instead.
 */

const KEYED_BY_CONTEXT = /\b(?:Weak)?(?:Map|Set)\s*<\s*ServerContext\b/;
const EXPORTED_MUTABLE_COLLECTION =
  /^export\s+(?:const|let|var)\s+\w+[^=\n]*=\s*(?:\[\s*\]|new\s+(?:Weak)?(?:Map|Set)\s*(?:<.*>)?\(\s*\)|new\s+Array\b)/;

/** The lines of `source` that hide state outside the context, with the reason. */
export function hiddenRegistries(source: string): { line: number; text: string; why: string }[] {
  const found: { line: number; text: string; why: string }[] = [];
  source.split('\n').forEach((text, index) => {
    const code = text.replace(/\/\/.*$/, '');
    if (/^\s*\*/.test(code)) return; // inside a doc comment
    if (KEYED_BY_CONTEXT.test(code))
      found.push({ line: index + 1, text: text.trim(), why: 'collection keyed by the server context' });
    else if (EXPORTED_MUTABLE_COLLECTION.test(code))
      found.push({ line: index + 1, text: text.trim(), why: 'exported mutable collection at module level' });
  });
  return found;
}

describe('explicit wiring: no registries beside the server context', () => {
  it('recognises both shapes (the check checks something)', () => {
    const bad = [
      'const running = new WeakMap<ServerContext, Realtime>();',
      'const paused = new WeakSet<ServerContext>();',
      'const byCtx: Map<ServerContext, string> = new Map();',
      'export const onSettingsChanged: SettingsListener[] = [];',
      'export let hooks = new Set<() => void>();',
      'export const registry = new Map();',
    ];
    for (const line of bad) expect(hiddenRegistries(line), line).toHaveLength(1);
    const fine = [
      "export const FINAL_LEG_STATUSES: ReadonlySet<LegStatus> = new Set(['completed']);",
      'export const MODULES: ServerModule[] = [',
      'const formatters = new Map<string, Intl.DateTimeFormat>();',
      ' * a WeakMap<ServerContext, …> would hide this from the context type',
      '  private readonly chains = new Map<string, Promise<void>>();',
    ];
    for (const line of fine) expect(hiddenRegistries(line), line).toEqual([]);
  });

  it('finds none in apps/server/src', () => {
    const files = serverSourceFiles();
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      hiddenRegistries(readFileSync(file, 'utf8')).map(
        (f) => `${srcPath(file)}:${f.line} ${f.why}: ${f.text}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
