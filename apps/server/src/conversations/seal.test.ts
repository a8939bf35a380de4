import { randomUUID } from 'node:crypto';
import {
  cachedAgreement,
  compressedFromXOnly,
  fromHex,
  generateSecretKey,
  getPublicKey,
  openAsReader,
  PURPOSES,
} from '@llamenos/crypto';
import { type MessagePayload, messageRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { MESSAGE_KEY_REUSE, messageAgreement, sealMessage } from './seal.js';

const ephemeralOf = (wrap: string) => Buffer.from(wrap, 'base64url').subarray(1, 34).toString('hex');

describe('texts sealed in a reuse window (seal.ts, PROTOCOL.md §6)', () => {
  it('share one ephemeral key within the window, open for every reader with the reference code, and the key is wiped by the timer when the window ends', async () => {
    const secrets: Uint8Array[] = [];
    const agreement = cachedAgreement(8, undefined, () => {
      const secret = generateSecretKey();
      secrets.push(secret);
      return { secret, publicKey: compressedFromXOnly(fromHex(getPublicKey(secret), 32)) };
    });
    // The window's clock is the test's (a loaded machine may take longer than a window to seal);
    // the timer that wipes the key is real.
    let clock = 0;
    const texts = messageAgreement(agreement, { maxAgeMs: 60, maxObjects: 64, now: () => clock });
    const readers = Array.from({ length: 3 }, () => {
      const secret = generateSecretKey();
      return { secret, pubkey: getPublicKey(secret) };
    });
    const sealAndOpen = (body: string) => {
      const messageId = randomUUID();
      const sealed = sealMessage(
        messageId,
        body,
        readers.map((r) => r.pubkey),
        texts,
      );
      for (const r of readers) {
        const opened = openAsReader({ v: 1, ...sealed }, r.secret, {
          purpose: PURPOSES.message,
          recordId: messageRecordId(messageId),
        });
        expect(JSON.parse(new TextDecoder().decode(opened)) as MessagePayload).toEqual({ v: 1, body });
      }
      return ephemeralOf(sealed.wraps[0]?.wrap ?? '');
    };
    const first = sealAndOpen('hola');
    const second = sealAndOpen('¿hay alguien?');
    expect(second).toBe(first);
    expect(secrets).toHaveLength(1);
    // No text comes after: the timer wipes the key once the window's time is up.
    clock = 60;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(secrets[0]?.every((byte) => byte === 0)).toBe(true);
    expect(sealAndOpen('sigo aquí')).not.toBe(first);
    expect(secrets).toHaveLength(2);
  });

  it('is a quarter of a second and at most 64 texts per key in production', () => {
    expect(MESSAGE_KEY_REUSE).toEqual({ maxAgeMs: 250, maxObjects: 64 });
  });
});
