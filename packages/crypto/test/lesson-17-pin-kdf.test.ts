import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  generateRecoveryKey,
  generateSecretKey,
  inspectPinLock,
  lockWithPin,
  MIN_PIN_ITERATIONS,
  pbkdf2Sha256,
} from '../src/index.js';

/**
 * Lesson 17: a 4–6 digit PIN is weak offline, so the PIN lock uses PBKDF2-SHA256 via WebCrypto
 * with at least 600,000 iterations, and backups use a recovery key of 128 random bits.
 */
afterEach(() => vi.restoreAllMocks());

describe('lesson 17: PIN lock and recovery key strength', () => {
  it('locks with at least 600,000 iterations by default, and refuses fewer', async () => {
    expect(MIN_PIN_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    const blob = await lockWithPin(generateSecretKey(), '123456');
    expect(inspectPinLock(blob).iterations).toBeGreaterThanOrEqual(600_000);
    await expect(lockWithPin(generateSecretKey(), '123456', { iterations: 599_999 })).rejects.toThrow();
  });

  it('runs PBKDF2 through WebCrypto when the platform has it', async () => {
    const subtle = globalThis.crypto.subtle;
    const derive = vi.spyOn(subtle, 'deriveBits');
    await pbkdf2Sha256(new Uint8Array([1, 2, 3]), new Uint8Array(16), 1000);
    expect(derive).toHaveBeenCalledTimes(1);
    expect(derive.mock.calls[0]![0]).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: 1000 });
  });

  it('makes recovery keys of 128 random bits', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 64; i++) {
      const key = generateRecoveryKey();
      expect(key.length).toBe(16);
      keys.add(Buffer.from(key).toString('hex'));
    }
    expect(keys.size).toBe(64);
  });

  it('the browser vault uses the library defaults (no lowered iteration count, no engine override)', () => {
    const worker = readFileSync(
      new URL('../../../apps/web/src/lib/vault.worker.ts', import.meta.url),
      'utf8',
    );
    expect(worker).toMatch(/lockWithPin\(request\.secretKey, request\.pin\)/);
    // Neither call takes a third (options) argument.
    expect(worker).not.toMatch(/(lock|unlock)WithPin\([^)]*,[^)]*,/);
  });
});
