/// <reference lib="webworker" />
import { CryptoError, lockWithPin, unlockWithPin } from '@llamenos/crypto';
import type { VaultRequest, VaultResponse } from './vault-protocol.js';

// PBKDF2 with 600,000 iterations takes a noticeable moment; here it never blocks the UI.
self.onmessage = async (event: MessageEvent<VaultRequest>) => {
  const request = event.data;
  let response: VaultResponse;
  try {
    const bytes =
      request.op === 'lock'
        ? await lockWithPin(request.secretKey, request.pin)
        : await unlockWithPin(request.blob, request.pin);
    response = { id: request.id, ok: true, bytes };
  } catch (error) {
    response =
      error instanceof CryptoError
        ? { id: request.id, ok: false, code: error.code, message: error.message }
        : { id: request.id, ok: false, code: 'INTERNAL', message: String(error) };
  }
  (self as unknown as Worker).postMessage(response);
};
