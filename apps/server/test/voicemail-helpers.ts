import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { decryptStream, fromBase64url, PURPOSES, type ReaderWrap, unwrapKey } from '@llamenos/crypto';
import type { VoicemailView } from '@llamenos/protocol';
import { BlobStore } from '../src/blobs/store.js';
import type { Queryable } from '../src/db/database.js';
import type { ServerContext } from '../src/http/context.js';

/**
 * Opening a stored voicemail in tests: the file key unwrapped with an admin's secret key, the
 * blob decrypted chunk by chunk (decryptStream), as the admin's browser does.
 */

export const voicemailCtx = (callId: string) => ({
  label: PURPOSES.voicemail.content,
  recordId: `voicemail:${callId}`,
});

export function unwrapVoicemailKey(wrap: string, secretKey: Uint8Array, callId: string): Uint8Array {
  return unwrapKey(fromBase64url(wrap, 'wrap'), secretKey, {
    label: PURPOSES.voicemail.wrap,
    recordId: `voicemail:${callId}`,
  });
}

/** Decrypts a byte stream in the voicemail format; rejects on any tampering or truncation. */
export async function decryptVoicemailStream(
  body: ReadableStream<Uint8Array>,
  key: Uint8Array,
  callId: string,
): Promise<Uint8Array> {
  const plain = body.pipeThrough(decryptStream(key, voicemailCtx(callId)));
  return new Uint8Array(await new Response(plain).arrayBuffer());
}

export const fileStream = (file: string) =>
  Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>;

/** The voicemails row of a call and the path of its blob file. */
export async function voicemailRow(ctx: ServerContext, db: Queryable, callId: string) {
  const [row] = await db.query('select * from voicemails where call_id = $1', [callId]);
  if (!row) throw new Error(`no voicemail for ${callId}`);
  return {
    row,
    file: new BlobStore(ctx.config.blobDir).pathOf(row.blob_id as string),
    wraps: row.wraps as ReaderWrap[],
  };
}

/** Opens a call's voicemail straight from the database row and the blob file. */
export async function openStoredVoicemail(
  ctx: ServerContext,
  db: Queryable,
  callId: string,
  reader: { pubkey: string; secretKey: Uint8Array },
): Promise<Uint8Array> {
  const { file, wraps } = await voicemailRow(ctx, db, callId);
  const mine = wraps.find((w) => w.reader === reader.pubkey);
  if (!mine) throw new Error('voicemail not wrapped for this reader');
  const key = unwrapVoicemailKey(mine.wrap, reader.secretKey, callId);
  return decryptVoicemailStream(fileStream(file), key, callId);
}

/** Opens a call's voicemail through the API (the view, then the audio stream), as the web client does. */
export async function playVoicemail(
  request: (method: string, path: string) => Promise<Response>,
  callId: string,
  secretKey: Uint8Array,
): Promise<{ view: VoicemailView; audio: Uint8Array }> {
  const res = await request('GET', `/api/calls/${callId}/voicemail`);
  if (res.status !== 200) throw new Error(`voicemail view: ${res.status} ${await res.text()}`);
  const view = (await res.json()) as VoicemailView;
  const audio = await request('GET', `/api/calls/${callId}/voicemail/audio`);
  if (audio.status !== 200 || !audio.body) throw new Error(`voicemail audio: ${audio.status}`);
  const key = unwrapVoicemailKey(view.wrap, secretKey, callId);
  return { view, audio: await decryptVoicemailStream(audio.body, key, callId) };
}
