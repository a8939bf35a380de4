import { readFileSync } from 'node:fs';
import { fromHex } from '@llamenos/crypto';
import { describe, expect, it } from 'vitest';
import { simulatorAccount } from './credentials.js';

const vectors = JSON.parse(
  readFileSync(new URL('../../../../../packages/crypto/test-vectors/v1.json', import.meta.url), 'utf8'),
) as { derivations: { simulatorCarrier: { inputKeyHex: string; accountSid: string; authToken: string } } };

describe('simulated carrier account', () => {
  it('is the derivation the protocol vectors state (PROTOCOL §16)', () => {
    const v = vectors.derivations.simulatorCarrier;
    expect(simulatorAccount(fromHex(v.inputKeyHex, 32))).toEqual({
      accountSid: v.accountSid,
      authToken: v.authToken,
    });
  });
});
