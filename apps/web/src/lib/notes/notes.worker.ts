/// <reference lib="webworker" />

import { fromHex, PURPOSES, toHex, unwrapKeyAs, wrapKey } from '@llamenos/crypto';
import { noteRecordId } from '@llamenos/protocol';
import { openOwnWrap, type Reader, rewrapOwnWrap } from '../sealed-records.js';
import { answerCalls } from '../worker-calls.js';
import {
  buildPayloadSchema,
  checkPayload,
  loosePayload,
  type PayloadCheck,
  type PayloadSchema,
  searchable,
} from './payload.js';
import {
  type GrantedWrap,
  type NotesReply,
  type NotesRequest,
  type OpenResult,
  type SealedVersion,
  versionKey,
} from './protocol.js';

/**
 * A notes worker: decrypts note versions, searches them and re-wraps their keys, off the UI
 * thread. It holds a copy of the unlocked secret key and a cache of decrypted notes for the
 * unlocked session only; the UI terminates it when the vault locks, which erases both.
 */

let secretKey: Uint8Array | null = null;
let ownPublic: Uint8Array = new Uint8Array(0);
let ownHex = '';
let schema = buildPayloadSchema([]);

interface Cached {
  /** The exact ciphertext and wrap this entry was opened from: anything else is opened again. */
  ciphertext: string;
  wrap: string;
  value: unknown;
  failure: 'decrypt' | 'malformed' | null;
  haystack: string;
  /** The payload checked against `checkedWith` (the current fields' schema), kept until the fields change. */
  check?: PayloadCheck;
  checkedWith?: PayloadSchema;
}
const cache = new Map<string, Cached>();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The unlocked key as a Reader (the public key computed once per session, at init). */
function ownReader(): Reader {
  return { secretKey: requireKey(), publicKey: ownPublic };
}

function requireKey(): Uint8Array {
  if (!secretKey) throw new Error('the notes worker has no key');
  return secretKey;
}

function haystackOf(value: unknown): string {
  const loose = loosePayload(value);
  const parts = [loose.text];
  for (const v of Object.values(loose.fields)) if (v !== undefined && v !== null) parts.push(String(v));
  return searchable(parts.join('\n'));
}

/**
 * openAsReader, with the reader's public key computed once per session instead of once per
 * note (unwrapReaderKey derives it on every call; for 5,000 notes that is 5,000 base-point
 * multiplications saved). Same checks, same associated data, same errors.
 */
function decrypt(note: SealedVersion, wrap: string): Cached {
  const context = { labels: PURPOSES.note, recordId: noteRecordId(note.id, note.version) };
  const opened = openOwnWrap(ownReader(), context, { ciphertext: note.ciphertext, wrap }, (plain): Cached => {
    try {
      const value: unknown = JSON.parse(decoder.decode(plain));
      return { ciphertext: note.ciphertext, wrap, value, failure: null, haystack: haystackOf(value) };
    } catch {
      return { ciphertext: note.ciphertext, wrap, value: null, failure: 'malformed', haystack: '' };
    }
  });
  return (
    opened?.value ?? { ciphertext: note.ciphertext, wrap, value: null, failure: 'decrypt', haystack: '' }
  );
}

function open(note: SealedVersion): OpenResult {
  const key = versionKey(note.id, note.version);
  if (!note.wrap || note.wrap.reader !== ownHex) return { key, status: 'failed', reason: 'no-wrap' };
  let entry = cache.get(key);
  if (!entry || entry.ciphertext !== note.ciphertext || entry.wrap !== note.wrap.wrap) {
    entry = decrypt(note, note.wrap.wrap);
    cache.set(key, entry);
  }
  if (entry.failure) return { key, status: 'failed', reason: entry.failure };
  if (entry.checkedWith !== schema || !entry.check) {
    entry.check = checkPayload(entry.value, schema);
    entry.checkedWith = schema;
  }
  const check = entry.check;
  if (check.ok) return { key, status: 'ok', payload: check.payload };
  return { key, status: 'mismatch', payload: loosePayload(entry.value), problems: check.problems };
}

function search(query: string, keys: string[] | null): string[] {
  const terms = searchable(query).split(/\s+/).filter(Boolean);
  const match = (entry: Cached | undefined) =>
    entry !== undefined && !entry.failure && terms.every((t) => entry.haystack.includes(t));
  if (keys) return keys.filter((k) => match(cache.get(k)));
  const out: string[] = [];
  for (const [k, entry] of cache) if (match(entry)) out.push(k);
  return out;
}

/** Grants a new admin: unwrap each version's key with our own wrap, wrap it for them. */
function rewrap(reader: string, items: { noteId: string; version: number; wrap: string }[]) {
  const wraps: GrantedWrap[] = [];
  let failed = 0;
  for (const item of items) {
    const ctx = { label: PURPOSES.note.wrap, recordId: noteRecordId(item.noteId, item.version) };
    const wrap = rewrapOwnWrap(ownReader(), item.wrap, reader, ctx);
    if (wrap === null) failed++;
    else wraps.push({ noteId: item.noteId, version: item.version, wrap });
  }
  return { wraps, failed };
}

/**
 * Runs the unwrap and decrypt path a few times on a throwaway object sealed for ourselves, so
 * the JIT has compiled it before the first real note arrives.
 */
function warm(): void {
  const ctx = { label: PURPOSES.note.wrap, recordId: 'warm-up' };
  const key = crypto.getRandomValues(new Uint8Array(32));
  const wrap = wrapKey(key, ownHex, ctx);
  for (let i = 0; i < 12; i++) unwrapKeyAs(wrap, requireKey(), ownPublic, ctx).fill(0);
  key.fill(0);
}

function handle(request: NotesRequest): NotesReply {
  switch (request.op) {
    case 'init':
      secretKey = request.secretKey;
      // The UI thread already knows the public key; deriving it here would build the
      // base-point tables before the first note opens. It is bound into every wrap's
      // associated data, so a wrong one could only make notes fail to open, never mis-open.
      ownPublic = fromHex(request.publicKey, 32, 'public key');
      ownHex = toHex(ownPublic);
      cache.clear();
      return { ok: true, done: true };
    case 'warm':
      warm();
      return { ok: true, done: true };
    case 'fields':
      schema = buildPayloadSchema(request.fields);
      return { ok: true, done: true };
    case 'open':
      return { ok: true, results: request.notes.map(open) };
    case 'search':
      return { ok: true, keys: search(request.query, request.keys) };
    case 'rewrap':
      return { ok: true, ...rewrap(request.reader, request.items) };
  }
}

answerCalls(handle);
