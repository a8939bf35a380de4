/**
 * Summarises a V8 CPU profile (node --cpu-prof, BENCH_CALLS_PROFILE) by self time: per area
 * (database driver, HTTP serving, outbound HTTP to the provider's REST API, JSON and zod, crypto,
 * our code by module, Node and V8 internals) and the top functions, in % of the samples that are
 * not idle, and by the nearest caller in our code (who asked for the library or native work).
 * BENCH_PROF_SKIP_S (0) leaves out the first seconds of the profile (start-up: module compilation).
 * A profile of the calls bench (BENCH_CALLS_PROFILE) has a `window-<pid>.json` beside it: then only
 * the storm's window counts, and each line also gives its self time per leg (µs).
 * Self time is the profiler's wall time in a frame: on a loaded machine a thread descheduled in a
 * system call (a socket write that wakes the reader) is charged there, so compare with the bench's
 * CPU figures, not instead of them.
 *   node --conditions=llamenos-source --import tsx bench/prof/cpuprofile-summary.ts <file.cpuprofile> [top]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

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
  endTime: number;
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
  // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile, as node --cpu-prof names them.
  const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(path.basename(file))?.[1];
  const windowFile = path.join(path.dirname(file), `window-${pid}.json`);
  const window = existsSync(windowFile)
    ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { fromUs: number; toUs: number; legs: number })
    : null;
  const fromUs = window
    ? window.fromUs
    : profile.startTime + Number(process.env.BENCH_PROF_SKIP_S ?? 0) * 1e6;
  const toUs = window ? window.toUs : Number.POSITIVE_INFINITY;
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= fromUs && at <= toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const perLeg = (us: number) => (window ? ` | ${(us / Math.max(1, window.legs)).toFixed(0)} µs` : '');
  const perLegHead = window ? ' | per leg' : '';
  const perLegRule = window ? ' | ---:' : '';
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
  console.log(
    `${file}: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s${
      window
        ? `; the storm's window (${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s, ${window.legs} legs): busy ${perLeg(busy).slice(3)} per leg`
        : ''
    }\n`,
  );
  console.log(`| area | self | % of busy${perLegHead} |\n| --- | ---: | ---:${perLegRule} |`);
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]))
    console.log(`| ${area} | ${(us / 1000).toFixed(0)} ms | ${pct(us)}${perLeg(us)} |`);
  console.log(
    `\n| function | area | self | % of busy${perLegHead} |\n| --- | --- | ---: | ---:${perLegRule} |`,
  );
  for (const [name, { us, area }] of [...functions].sort((a, b) => b[1].us - a[1].us).slice(0, top))
    console.log(`| ${name} | ${area} | ${(us / 1000).toFixed(0)} ms | ${pct(us)}${perLeg(us)} |`);
  console.log(
    `\n| nearest caller of ours | self below it | % of busy${perLegHead} |\n| --- | ---: | ---:${perLegRule} |`,
  );
  for (const [name, us] of [...byCaller].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${name} | ${(us / 1000).toFixed(0)} ms | ${pct(us)}${perLeg(us)} |`);
}

main();
