/// <reference lib="webworker" />

import { PURPOSES, unwrapKeyAs, wrapKey } from '@llamenos/crypto';
import { type GrantWorkItem, noteRecordId } from '@llamenos/protocol';
import { openOwnWrap, rewrapOwnWrap } from '../sealed-records.js';
import { OpenedRecords, sealedRecordsWorker, type WorkerReader } from '../sealed-records-worker.js';
import { searchable } from '../search-text.js';
import { answerCalls } from '../worker-calls.js';
import {
  buildPayloadSchema,
  checkPayload,
  loosePayload,
  type PayloadCheck,
  type PayloadSchema,
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

let schema = buildPayloadSchema([]);

interface Cached {
  value: unknown;
  failure: 'decrypt' | 'malformed' | null;
  haystack: string;
  /** The payload checked against `checkedWith` (the current fields' schema), kept until the fields change. */
  check?: PayloadCheck;
  checkedWith?: PayloadSchema;
}
const cache = new OpenedRecords<Cached>();
const decoder = new TextDecoder('utf-8', { fatal: true });

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
function decrypt(me: WorkerReader, note: SealedVersion, wrap: string): Cached {
  const context = { labels: PURPOSES.note, recordId: noteRecordId(note.id, note.version) };
  const opened = openOwnWrap(me, context, { ciphertext: note.ciphertext, wrap }, (plain): Cached => {
    try {
      const value: unknown = JSON.parse(decoder.decode(plain));
      return { value, failure: null, haystack: haystackOf(value) };
    } catch {
      return { value: null, failure: 'malformed', haystack: '' };
    }
  });
  return opened?.value ?? { value: null, failure: 'decrypt', haystack: '' };
}

function open(me: WorkerReader, note: SealedVersion): OpenResult {
  const key = versionKey(note.id, note.version);
  if (!note.wrap || note.wrap.reader !== me.publicHex) return { key, status: 'failed', reason: 'no-wrap' };
  const wrap = note.wrap.wrap;
  const entry = cache.get(key, { ciphertext: note.ciphertext, wrap }, () => decrypt(me, note, wrap));
  if (entry.failure) return { key, status: 'failed', reason: entry.failure };
  if (entry.checkedWith !== schema || !entry.check) {
    entry.check = checkPayload(entry.value, schema);
    entry.checkedWith = schema;
  }
  const check = entry.check;
  if (check.ok) return { key, status: 'ok', payload: check.payload };
  return { key, status: 'mismatch', payload: loosePayload(entry.value), problems: check.problems };
}

/** Grants a new admin: unwrap each version's key with our own wrap, wrap it for them. */
function rewrap(me: WorkerReader, reader: string, items: GrantWorkItem[]) {
  const wraps: GrantedWrap[] = [];
  let failed = 0;
  for (const item of items) {
    const ctx = { label: PURPOSES.note.wrap, recordId: noteRecordId(item.noteId, item.version) };
    const wrap = rewrapOwnWrap(me, item.wrap, reader, ctx);
    if (wrap === null) failed++;
    else wraps.push({ noteId: item.noteId, version: item.version, wrap });
  }
  return { wraps, failed };
}

/**
 * Runs the unwrap and decrypt path a few times on a throwaway object sealed for ourselves, so
 * the JIT has compiled it before the first real note arrives.
 */
function warm(me: WorkerReader): void {
  const ctx = { label: PURPOSES.note.wrap, recordId: 'warm-up' };
  const key = crypto.getRandomValues(new Uint8Array(32));
  const wrap = wrapKey(key, me.publicHex, ctx);
  for (let i = 0; i < 12; i++) unwrapKeyAs(wrap, me.secretKey, me.publicKey, ctx).fill(0);
  key.fill(0);
}

const records = sealedRecordsWorker<SealedVersion, OpenResult, GrantWorkItem, GrantedWrap>({
  name: 'notes',
  forget: () => cache.clear(),
  open,
  search: (query, keys) => cache.matching(query, keys, (entry) => (entry.failure ? null : entry.haystack)),
  rewrap,
});

answerCalls((request: NotesRequest): NotesReply => {
  switch (request.op) {
    case 'warm':
      warm(records.reader());
      return { ok: true, done: true };
    case 'fields':
      schema = buildPayloadSchema(request.fields);
      return { ok: true, done: true };
    default:
      return records.handle(request);
  }
});
