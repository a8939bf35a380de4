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
 *   to be imported; subscribe on `ctx.events` in server.ts instead;
 * - a mutable variable at module level (`let running: Worker | null = null`): state one server
 *   context cannot see and another shares, such as a thread started for whichever server asked
 *   first; give the context a field instead. Browser scripts held in template strings are not
 *   module code, and PROCESS_WIDE lists the few that are truly one per process.
 */

const KEYED_BY_CONTEXT = /\b(?:Weak)?(?:Map|Set)\s*<\s*ServerContext\b/;
const EXPORTED_MUTABLE_COLLECTION =
  /^export\s+(?:const|let|var)\s+\w+[^=\n]*=\s*(?:\[\s*\]|new\s+(?:Weak)?(?:Map|Set)\s*(?:<.*>)?\(\s*\)|new\s+Array\b)/;

/** A declaration at the top level (no indentation) that can be assigned again. */
const MODULE_LEVEL_VARIABLE = /^(?:export\s+)?(?:let|var)\s+(\w+)/;

/**
 * Module-level variables that are one per process by nature, not per server: the NIP-98 and
 * hub-event crypto engine (the WASM module is loaded once into the process and holds no
 * server's data) and constants computed on first use (the hold-music clip, the same bytes for
 * every server). `file: name`, with paths as srcPath gives them.
 */
const PROCESS_WIDE = new Set([
  'calls/hold-music/clip.ts: clip',
  'realtime/verify.ts: verifier',
  'realtime/verify.ts: engine',
  'realtime/verify.ts: signer',
  'realtime/verify.ts: keptSigner',
]);

/** Unescaped backticks on a line: an odd count opens or closes a template string. */
const backticks = (code: string): number => (code.match(/(?<!\\)`/g) ?? []).length;

/** The lines of `source` that hide state outside the context, with the reason. */
export function hiddenRegistries(source: string, file = ''): { line: number; text: string; why: string }[] {
  const found: { line: number; text: string; why: string }[] = [];
  let inTemplate = false;
  source.split('\n').forEach((text, index) => {
    const startsInTemplate = inTemplate;
    if (backticks(text) % 2 === 1) inTemplate = !inTemplate;
    const code = text.replace(/\/\/.*$/, '');
    if (/^\s*\*/.test(code)) return; // inside a doc comment
    const variable = startsInTemplate ? null : MODULE_LEVEL_VARIABLE.exec(code);
    if (KEYED_BY_CONTEXT.test(code))
      found.push({ line: index + 1, text: text.trim(), why: 'collection keyed by the server context' });
    else if (EXPORTED_MUTABLE_COLLECTION.test(code))
      found.push({ line: index + 1, text: text.trim(), why: 'exported mutable collection at module level' });
    else if (variable && !PROCESS_WIDE.has(`${file}: ${variable[1]}`))
      found.push({ line: index + 1, text: text.trim(), why: 'mutable variable at module level' });
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
      'let running: SignatureWorker | null = null;',
      'export let demand: Demand | null = null;',
      'var started = false;',
    ];
    for (const line of bad) expect(hiddenRegistries(line), line).toHaveLength(1);
    const fine = [
      "export const FINAL_LEG_STATUSES: ReadonlySet<LegStatus> = new Set(['completed']);",
      'export const MODULES: ServerModule[] = [',
      'const formatters = new Map<string, Intl.DateTimeFormat>();',
      ' * a WeakMap<ServerContext, …> would hide this from the context type',
      '  private readonly chains = new Map<string, Promise<void>>();',
      '  let attempts = 0;',
      'for (let i = 0; i < 3; i++) {',
    ];
    for (const line of fine) expect(hiddenRegistries(line), line).toEqual([]);
    // A browser script held in a template string is the page's code, not the module's.
    expect(hiddenRegistries('export const SCRIPT = `\nlet numbers = [];\n`;\nlet after = 1;')).toEqual([
      { line: 4, text: 'let after = 1;', why: 'mutable variable at module level' },
    ]);
    // Only the variables named process-wide are let through, and only in their own file.
    expect(hiddenRegistries('let engine = 1;', 'realtime/verify.ts')).toEqual([]);
    expect(hiddenRegistries('let engine = 1;', 'auth/other.ts')).toHaveLength(1);
  });

  it('finds none in apps/server/src', () => {
    const files = serverSourceFiles();
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      hiddenRegistries(readFileSync(file, 'utf8'), srcPath(file)).map(
        (f) => `${srcPath(file)}:${f.line} ${f.why}: ${f.text}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
