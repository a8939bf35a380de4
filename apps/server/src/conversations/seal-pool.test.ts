import { randomUUID } from 'node:crypto';
import { CryptoError, generateSecretKey, getPublicKey, openAsReader, PURPOSES } from '@llamenos/crypto';
import { type MessagePayload, messageRecordId } from '@llamenos/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createConversations } from './ingest.js';
import { READER_TABLES } from './reader-tables.js';
import { MESSAGE_KEY_REUSE } from './seal.js';
import { startSealPool } from './seal-pool.js';

const reader = () => {
  const secret = generateSecretKey();
  return { secret, pubkey: getPublicKey(secret) };
};

const open = (
  sealed: { ciphertext: string; wraps: { reader: string; wrap: string }[] },
  messageId: string,
  secret: Uint8Array,
) =>
  JSON.parse(
    new TextDecoder().decode(
      openAsReader({ v: 1, ...sealed }, secret, {
        purpose: PURPOSES.message,
        recordId: messageRecordId(messageId),
      }),
    ),
  ) as MessagePayload;

const wrapEphemeral = (wrap: string) => Buffer.from(wrap, 'base64url').subarray(1, 34).toString('hex');

describe('the seal pool (arriving texts sealed in worker threads)', () => {
  const pool = startSealPool(1, READER_TABLES, (error) => {
    throw error;
  });
  afterAll(() => pool?.close());

  it('seals in a worker what every reader opens with the reference code, one ephemeral key for the message', async () => {
    if (!pool) throw new Error('the worker script is beside the pool');
    // Loading, it takes nothing: seal() refuses (the caller seals in its own thread).
    expect(pool.size).toBe(0);
    await expect(pool.seal(randomUUID(), 'x', [reader().pubkey])).rejects.toThrow(/no sealing thread/);
    await pool.ready;
    expect(pool.size).toBe(1);
    // Its ephemeral keys from libsecp256k1 (WASM), loaded before it said it was ready.
    expect(pool.engines).toEqual(['wasm']);
    const readers = [reader(), reader(), reader()];
    await pool.prepare(readers.map((r) => r.pubkey));
    const messageId = randomUUID();
    const body = 'ayuda, por favor — 🆘 ñ';
    const sealed = await pool.seal(messageId, body, [...readers.map((r) => r.pubkey), readers[0]!.pubkey]);
    // Deduplicated as in this thread (seal.ts).
    expect(sealed.wraps.map((w) => w.reader)).toEqual(readers.map((r) => r.pubkey));
    for (const r of readers) expect(open(sealed, messageId, r.secret)).toEqual({ v: 1, body });
    expect(new Set(sealed.wraps.map((w) => wrapEphemeral(w.wrap))).size).toBe(1);
    // Another message: another content key (within a quarter of a second, maybe the same
    // ephemeral key: seal.ts, MESSAGE_KEY_REUSE), and once the window is over, another ephemeral key.
    const again = await pool.seal(randomUUID(), body, [readers[0]!.pubkey]);
    expect(again.ciphertext).not.toBe(sealed.ciphertext);
    await new Promise((resolve) => setTimeout(resolve, MESSAGE_KEY_REUSE.maxAgeMs + 50));
    const later = await pool.seal(randomUUID(), body, [readers[0]!.pubkey]);
    expect(wrapEphemeral(later.wraps[0]!.wrap)).not.toBe(wrapEphemeral(sealed.wraps[0]!.wrap));
  });

  it('a message bound to its id: opened under another record id, it fails', async () => {
    if (!pool) throw new Error('the worker script is beside the pool');
    const r = reader();
    const sealed = await pool.seal(randomUUID(), 'hola', [r.pubkey]);
    expect(() => open(sealed, randomUUID(), r.secret)).toThrow(CryptoError);
  });

  it('a reader key that is not on the curve: the worker refuses with the error kind only', async () => {
    if (!pool) throw new Error('the worker script is beside the pool');
    await expect(pool.seal(randomUUID(), 'hola', [`${'00'.repeat(31)}05`])).rejects.toThrow(/CryptoError/);
    // The thread still serves the next text.
    const r = reader();
    expect(open(await pool.seal('m', 'x', [r.pubkey]), 'm', r.secret).body).toBe('x');
  });
});

describe('conversations.seal (the pool if started, else this thread)', () => {
  const conversations = createConversations(() => {
    throw new Error('no context needed to seal');
  });

  it('seals in this thread without a pool, in a worker with one, and in this thread again when the worker is gone', async () => {
    const r = reader();
    const id1 = randomUUID();
    expect(open(await conversations.seal(id1, 'one', [r.pubkey]), id1, r.secret).body).toBe('one');
    const stop = conversations.startSealing({ workers: 1 });
    // A second start while running is a no-op.
    await conversations.startSealing({ workers: 1 })();
    await conversations.sealPool?.ready;
    expect(conversations.sealPool?.size).toBe(1);
    const id2 = randomUUID();
    expect(open(await conversations.seal(id2, 'two', [r.pubkey]), id2, r.secret).body).toBe('two');
    await stop();
    expect(conversations.sealPool).toBeNull();
    const id3 = randomUUID();
    expect(open(await conversations.seal(id3, 'three', [r.pubkey]), id3, r.secret).body).toBe('three');
  });

  it('a thread that stops with a text in it: that text is sealed in this thread instead, none lost', async () => {
    const stop = conversations.startSealing({ workers: 1 });
    try {
      await conversations.sealPool?.ready;
      const r = reader();
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const sealing = ids.map((id) => conversations.seal(id, `text ${id}`, [r.pubkey]));
      // Terminated while the three wait for it (as if it crashed).
      await conversations.sealPool?.close();
      const sealed = await Promise.all(sealing);
      sealed.forEach((envelope, i) => {
        expect(open(envelope, ids[i]!, r.secret).body).toBe(`text ${ids[i]}`);
      });
      expect(conversations.sealPool?.size).toBe(0);
    } finally {
      await stop();
    }
  });

  it('lazy: the threads start at the first text, which is sealed in this thread meanwhile', async () => {
    const stop = conversations.startSealing({ workers: 1, lazy: true });
    try {
      expect(conversations.sealPool).toBeNull();
      const r = reader();
      const id = randomUUID();
      expect(open(await conversations.seal(id, 'first', [r.pubkey]), id, r.secret).body).toBe('first');
      await conversations.sealPool?.ready;
      expect(conversations.sealPool?.size).toBe(1);
    } finally {
      await stop();
    }
  });

  it('a worker refusing (a key not on the curve) gives the same error as sealing in this thread', async () => {
    const stop = conversations.startSealing({ workers: 1 });
    await conversations.sealPool?.ready;
    try {
      await expect(conversations.seal(randomUUID(), 'x', [`${'00'.repeat(31)}05`])).rejects.toBeInstanceOf(
        CryptoError,
      );
    } finally {
      await stop();
    }
  });
});
