import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * One process at a time on an embedded (PGlite) database directory: two processes on the same
 * files each cache pages and overwrite the other's writes, losing acknowledged data.
 *
 * How: each opener listens on its own unix socket in `<dir>.lock/`, then connects to every other
 * socket there; any that answers is a live holder, and the opener gives up. Because each binds
 * before it looks, of two openers racing, the later one to look always sees the earlier one.
 *
 * Why a listening socket rather than a lock file with a pid in it: the kernel closes the socket
 * the moment its process dies, however it dies (SIGKILL, OOM kill, power loss), so liveness is a
 * fact, not a guess; a pid can be reused by an unrelated process after a crash and would keep the
 * lock forever. Node has no flock(2) in its standard library, and a lock package would add a
 * dependency that only approximates this (mkdir plus a refreshed timestamp). The socket also
 * names its holder (pid, start time, command) to whoever connects, and carries requests to it
 * (`backup` while the server runs: backup/through-holder.ts).
 *
 * Limits: the directory must be on a local filesystem (a socket file on NFS does not reach a
 * process on another host, so such a holder looks dead). A socket left by a dead process is
 * ignored and removed after STALE_REMOVE_MS (never at once: a process that has just bound its
 * socket but not yet listened would look dead for a moment).
 */

interface LockHolder {
  pid: number;
  startedAt: string;
  command: string;
  host: string;
  /** `acquiring` while the holder is still looking for others: a race, worth a retry. */
  state: 'acquiring' | 'held';
}

const LockHolderSchema = z
  .object({
    pid: z.number().int().nonnegative(),
    startedAt: z.string().max(64),
    command: z.string().max(4096),
    host: z.string().max(256),
    state: z.enum(['acquiring', 'held']),
  })
  .strict();

const Reply = z.union([
  z.object({ reply: z.unknown() }).strict(),
  z.object({ error: z.string().max(4096) }).strict(),
]);

/** Answers one request from another process; a thrown error's message is sent back. */
export type LockRequestHandler = (request: unknown) => Promise<unknown>;

interface DataDirLock {
  readonly lockDir: string;
  /** Takes requests from other processes (one line of JSON each) from now on. */
  takeRequests(handler: LockRequestHandler): void;
  release(): Promise<void>;
}

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dir: string,
    readonly lockDir: string,
    readonly holder: LockHolder | null,
    detail?: string,
  ) {
    const who = holder
      ? `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}, command: ${holder.command}`
      : `a process that did not say who it is${detail ? ` (${detail})` : ''}`;
    super(
      `the embedded database in ${dir} is in use by another Llamenos process (${who}). It allows one ` +
        'process at a time: stop that one first, or use PostgreSQL (DATABASE_URL) to run several.',
    );
  }
}

const SOCKET_SUFFIX = '.sock';
// sun_path is 104 bytes on macOS and 108 on Linux, the terminating NUL included.
const MAX_SOCKET_PATH = 103;
const ANSWER_TIMEOUT_MS = 2000;
const STALE_REMOVE_MS = 60_000;
const MAX_LINE = 64 * 1024;
const ATTEMPTS = 5;

const startedAt = new Date(Date.now() - process.uptime() * 1000).toISOString();
const command = process.argv
  .slice(1)
  .map((a, i) => (i === 0 ? path.basename(a) : a))
  .join(' ');

/** Reads newline-terminated JSON lines from a socket, one at a time. */
function lineReader(socket: net.Socket) {
  let buffer = '';
  const waiting: ((line: string | null) => void)[] = [];
  const lines: (string | null)[] = [];
  const push = (line: string | null) => {
    const next = waiting.shift();
    if (next) next(line);
    else lines.push(line);
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      push(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf('\n');
    }
    if (buffer.length > MAX_LINE) socket.destroy();
  });
  socket.on('close', () => push(null));
  socket.on('error', () => {});
  return (): Promise<string | null> =>
    lines.length ? Promise.resolve(lines.shift() ?? null) : new Promise((resolve) => waiting.push(resolve));
}

function parseJson(line: string | null): unknown {
  if (line === null) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function listen(
  file: string,
  holder: LockHolder,
  handler: () => LockRequestHandler | null,
): Promise<net.Server> {
  const server = net.createServer((socket) => {
    const next = lineReader(socket);
    socket.write(`${JSON.stringify(holder)}\n`);
    void next().then(async (line) => {
      if (line === null) return;
      const handle = handler();
      try {
        if (!handle) throw new Error('this process takes no requests');
        socket.end(`${JSON.stringify({ reply: await handle(parseJson(line)) })}\n`);
      } catch (error) {
        socket.end(`${JSON.stringify({ error: (error as Error).message })}\n`);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => {
      server.off('error', reject);
      // The lock must not keep a finished command alive; the holder's own work does that.
      server.unref();
      resolve(server);
    });
  });
}

type Probe = { alive: false } | { alive: true; holder: LockHolder | null; detail?: string; reply?: unknown };

/** Connects to one socket: dead (refused, gone) or alive, with what the holder says. */
function probe(file: string, request?: unknown): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ alive: true, holder: null, detail: 'it did not answer' });
    }, ANSWER_TIMEOUT_MS);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve({ alive: false });
      // Anything else (EACCES, EAGAIN on a full backlog) may well be a live holder.
      else resolve({ alive: true, holder: null, detail: error.code ?? error.message });
    });
    socket.once('connect', async () => {
      const next = lineReader(socket);
      const parsed = LockHolderSchema.safeParse(parseJson(await next()));
      clearTimeout(timer);
      const holder = parsed.success ? parsed.data : null;
      if (request === undefined) {
        socket.destroy();
        return resolve({ alive: true, holder });
      }
      socket.write(`${JSON.stringify(request)}\n`);
      const answer = Reply.safeParse(parseJson(await next()));
      socket.destroy();
      if (!answer.success) return reject(new Error('the process holding the database gave no answer'));
      if ('error' in answer.data) return reject(new Error(answer.data.error));
      resolve({ alive: true, holder, reply: answer.data.reply });
    });
  });
}

/** Every other live holder's socket in `lockDir`; dead ones left for a minute are removed. */
async function liveOthers(lockDir: string, own: string | null): Promise<{ file: string; probe: Probe }[]> {
  const names = (await readdir(lockDir)).filter((n) => n.endsWith(SOCKET_SUFFIX));
  const found = await Promise.all(
    names
      .map((n) => path.join(lockDir, n))
      .filter((file) => file !== own)
      .map(async (file) => ({ file, probe: await probe(file) })),
  );
  for (const { file, probe: p } of found) {
    if (p.alive) continue;
    const info = await stat(file).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STALE_REMOVE_MS) await unlink(file).catch(() => {});
  }
  return found.filter((f) => f.probe.alive);
}

const lockDirOf = (dir: string) => `${path.resolve(dir)}.lock`;

/**
 * Takes `dir` for this process until release() or the process's end; throws
 * DataDirLockedError naming the holder when another live process has it.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const lockDir = lockDirOf(dir);
  await mkdir(lockDir, { recursive: true, mode: 0o700 });
  for (let attempt = 1; ; attempt++) {
    const own = path.join(lockDir, `${randomBytes(6).toString('hex')}${SOCKET_SUFFIX}`);
    if (Buffer.byteLength(own) > MAX_SOCKET_PATH)
      throw new Error(
        `the lock socket ${own} is longer than the ${MAX_SOCKET_PATH} bytes the OS allows: use a shorter DATA_DIR`,
      );
    const holder: LockHolder = {
      pid: process.pid,
      startedAt,
      command,
      host: os.hostname(),
      state: 'acquiring',
    };
    let handler: LockRequestHandler | null = null;
    const server = await listen(own, holder, () => handler);
    await chmod(own, 0o600).catch(() => {});
    const release = () =>
      new Promise<void>((resolve) => server.close(() => resolve())).then(() => unlink(own).catch(() => {}));
    const others = await liveOthers(lockDir, own);
    if (!others.length) {
      holder.state = 'held';
      return {
        lockDir,
        takeRequests: (h) => {
          handler = h;
        },
        release,
      };
    }
    await release();
    // Two openers that bound at once each see the other still acquiring: both back off, one wins.
    const racing = others.every((o) => o.probe.alive && o.probe.holder?.state === 'acquiring');
    if (racing && attempt < ATTEMPTS) {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200 * attempt));
      continue;
    }
    const first = others[0]!.probe as Extract<Probe, { alive: true }>;
    throw new DataDirLockedError(dir, lockDir, first.holder, first.detail);
  }
}

/**
 * Sends `request` to the live holder of `dir` and returns its reply; null when nobody holds it.
 * Errors the holder reports are thrown with its message.
 */
export async function askHolder(dir: string, request: unknown): Promise<unknown | null> {
  const lockDir = lockDirOf(dir);
  const others = await liveOthers(lockDir, null).catch(() => []);
  const held = others.find((o) => o.probe.alive && o.probe.holder?.state === 'held');
  if (!held) return null;
  const answer = await probe(held.file, request);
  return answer.alive ? (answer.reply ?? null) : null;
}
