import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HUB_EVENT_KIND } from '@llamenos/crypto';
import WebSocket from 'ws';
import type { Queryable } from '../src/db/database.js';
import { authEvent } from './realtime-helpers.js';

/**
 * The leak scanner: searches everything the server keeps or emits for secret strings (a note's
 * text, a voicemail's words, a caller's full number). Each needle is searched as it is and in
 * the encodings plaintext would take if it were stored without being encrypted: hex, base64
 * and base64url (at every alignment), so "stored but encoded" is still a hit.
 */

export interface Hit {
  where: string;
  needle: string;
}

/** The forms a needle is searched in. */
export function encodedForms(needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  const forms = new Set([needle, bytes.toString('hex'), bytes.toString('hex').toUpperCase()]);
  // base64 of the needle depends on its offset in the encoded data: try the three alignments
  // and keep only the characters fully determined by the needle's own bytes.
  for (let pad = 0; pad < 3; pad++) {
    const shifted = Buffer.concat([Buffer.alloc(pad), bytes]);
    for (const encoding of ['base64', 'base64url'] as const) {
      const text = shifted.toString(encoding).replace(/=+$/, '');
      const start = Math.ceil((pad * 4) / 3);
      const end = Math.floor(((pad + bytes.length) * 4) / 3);
      const core = text.slice(start, end);
      if (core.length >= 8) forms.add(core);
    }
  }
  return [...forms];
}

/** Every hit of any form of any needle in `text`, reported under `where`. */
export function scanText(where: string, text: string, needles: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  for (const needle of needles)
    if (encodedForms(needle).some((form) => text.includes(form))) hits.push({ where, needle });
  return hits;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every column of every table of the current schema (information_schema.columns), one column
 * at a time, as text; bytea is read as hex and searched as bytes, so binary data holding the
 * plaintext is found too. Works the same on PGlite and PostgreSQL.
 */
export async function scanDatabase(db: Queryable, needles: readonly string[]): Promise<Hit[]> {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `select c.table_name, c.column_name, c.data_type
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      order by c.table_name, c.ordinal_position`,
  );
  if (!columns.length) throw new Error('no columns found: the scan would prove nothing');
  const hits: Hit[] = [];
  for (const { table_name, column_name, data_type } of columns) {
    const column = quote(column_name);
    const expression = data_type === 'bytea' ? `encode(${column}, 'hex')` : `${column}::text`;
    const rows = await db.query<{ v: string | null }>(
      `select ${expression} as v from ${quote(table_name)} where ${column} is not null`,
    );
    const text = rows
      .map((r) => (data_type === 'bytea' ? Buffer.from(r.v ?? '', 'hex').toString('latin1') : (r.v ?? '')))
      .join('\n');
    hits.push(...scanText(`${table_name}.${column_name}`, text, needles));
  }
  return hits;
}

/** Every file under `dir`, recursively, read as bytes; an absent directory has nothing to leak. */
export async function scanDirectory(
  dir: string,
  needles: readonly string[],
): Promise<{ files: number; hits: Hit[] }> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, hits: [] };
    throw error;
  }
  const hits: Hit[] = [];
  let files = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files += 1;
    hits.push(...scanText(file, (await readFile(file)).toString('latin1'), needles));
  }
  return { files, hits };
}

/** Log lines and relay frames: each line or frame is its own place. */
export function scanLines(kind: string, lines: readonly string[], needles: readonly string[]): Hit[] {
  return lines.flatMap((line, i) => scanText(`${kind}[${i}]`, line, needles));
}

/**
 * A member's relay connection that keeps every raw frame it receives (as sent on the wire):
 * it authenticates (NIP-42) and subscribes to the hub's events, like the web client.
 */
export async function recordRelayFrames(
  relayUrl: string,
  secretKey: Uint8Array,
): Promise<{ frames: string[]; close(): void }> {
  const frames: string[] = [];
  const ws = new WebSocket(relayUrl);
  const waitFor = async (predicate: (m: unknown[]) => boolean) => {
    for (let i = 0; i < 250; i++) {
      if (frames.some((f) => predicate(JSON.parse(f) as unknown[]))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`relay: expected frame not received; got ${frames.slice(-3).join(' ')}`);
  };
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await waitFor((m) => m[0] === 'AUTH');
  const challenge = (JSON.parse(frames.find((f) => f.startsWith('["AUTH"'))!) as string[])[1]!;
  const auth = authEvent(secretKey, relayUrl, challenge);
  ws.send(JSON.stringify(['AUTH', auth]));
  await waitFor((m) => m[0] === 'OK' && m[1] === auth.id && m[2] === true);
  ws.send(JSON.stringify(['REQ', 'leak-scan', { kinds: [HUB_EVENT_KIND] }]));
  await waitFor((m) => m[0] === 'EOSE');
  return { frames, close: () => ws.terminate() };
}
