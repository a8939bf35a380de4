import { deriveKey, LABEL_SIMULATOR_CARRIER, toHex } from '@llamenos/crypto';

/**
 * The simulated carrier's Twilio-style account: derived from SERVER_SECRET, so it is the same
 * in every process of one install (a webhook signed by one process verifies in another) and
 * different in every install (a token seen in one demo opens no other). Nothing is stored.
 */
export interface SimulatorAccount {
  accountSid: string;
  authToken: string;
}

export function simulatorAccount(serverSecret: Uint8Array): SimulatorAccount {
  const bytes = deriveKey(serverSecret, LABEL_SIMULATOR_CARRIER, 48);
  return { accountSid: `AC${toHex(bytes.subarray(0, 16))}`, authToken: toHex(bytes.subarray(16)) };
}
