/**
 * Summarises a V8 CPU profile (node --cpu-prof, BENCH_CALLS_PROFILE) by self time: per area
 * (database driver, HTTP serving, outbound HTTP to the provider's REST API, JSON and zod, crypto,
 * our code by module, Node and V8 internals) and the top functions, in % of the samples that are
 * not idle, and by the nearest caller in our code (who asked for the library or native work).
 * BENCH_PROF_SKIP_S (0) leaves out the first seconds of the profile (start-up: module compilation).
 *   node --conditions=llamenos-source --import tsx bench/prof/cpuprofile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a frame's self time is charged to, from its script URL and name. */
function areaOf({ url, functionName }: CallFrame): string {
  if (!url) {
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)')
      return functionName;
    if (/^(JSON|stringify|parse)$/.test(functionName)) return 'JSON';
    return 'V8 builtins / native';
  }
  if (url.includes('/node_modules/postgres/')) return 'driver (postgres.js)';
  if (url.includes('/node_modules/@electric-sql/pglite')) return 'driver (PGlite)';
  if (url.includes('/node_modules/hono/') || url.includes('/node_modules/@hono/'))
    return 'HTTP serving (Hono)';
  if (url.includes('/node_modules/zod/')) return 'zod';
  if (/\/node_modules\/(@noble|@scure|nostr-tools|nostr-wasm)\//.test(url) || url.startsWith('wasm://'))
    return 'crypto (libraries, WASM)';
  if (url.includes('/node_modules/pino')) return 'logging (pino)';
  if (url.includes('/node_modules/undici') || url.startsWith('node:internal/deps/undici'))
    return 'outbound HTTP (undici/fetch)';
  if (url.startsWith('node:internal/http') || url.startsWith('node:_http') || url.startsWith('node:http'))
    return 'Node HTTP (server + client)';
  if (url.startsWith('node:internal/crypto') || url.startsWith('node:crypto')) return 'crypto (node:crypto)';
  if (
    url.startsWith('node:net') ||
    url.startsWith('node:internal/stream') ||
    url.startsWith('node:internal/net')
  )
    return 'Node net/streams';
  if (url.startsWith('node:')) return 'Node other';
  const ours = url.match(/\/(apps\/server\/src|packages\/[a-z]+\/src)\/(.+?)(?:\.[tj]s)?$/);
  if (ours) {
    const [, root, file] = ours;
    const module = root === 'apps/server/src' ? file!.split('/').slice(0, 2).join('/') : `${root}/${file}`;
    return `ours: ${module}`;
  }
  const lib = url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (lib) return `lib: ${lib[1]}`;
  return `other: ${url.replace(/^.*\/work\/main\//, '')}`;
}

function main() {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 15);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const skipUs = Number(process.env.BENCH_PROF_SKIP_S ?? 0) * 1e6;
  const selfUs = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= skipUs) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  /** The nearest frame of ours on the stack (the node itself included), as "module function". */
  const ourCaller = (id: number): string => {
    for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
      const frame = byId.get(n)!.callFrame;
      const area = areaOf(frame);
      if (area.startsWith('ours: '))
        return `${area.slice(6)} ${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
    }
    return '(no caller of ours)';
  };
  const byCaller = new Map<string, number>();

  const areas = new Map<string, number>();
  const functions = new Map<string, { us: number; area: string }>();
  let busy = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    if (area === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const caller = ourCaller(id);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + us);
    const where = frame.url
      ? `${frame.url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const f = functions.get(key) ?? { us: 0, area };
    f.us += us;
    functions.set(key, f);
  }
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
  console.log(`${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s\n`);
  console.log('| area | self | % of busy |\n| --- | ---: | ---: |');
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]))
    console.log(`| ${area} | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |`);
  console.log(`\n| function | area | self | % of busy |\n| --- | --- | ---: | ---: |`);
  for (const [name, { us, area }] of [...functions].sort((a, b) => b[1].us - a[1].us).slice(0, top))
    console.log(`| ${name} | ${area} | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |`);
  console.log(`\n| nearest caller of ours | self below it | % of busy |\n| --- | ---: | ---: |`);
  for (const [name, us] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${name} | ${(us / 1000).toFixed(0)} ms | ${pct(us)} |`);
}

main();
