/**
 * Relay-to-client messages (NIP-01, NIP-42). Reasons start with a NIP-01 machine-readable
 * prefix: "auth-required:", "restricted:", "invalid:", "rate-limited:", "blocked:",
 * "duplicate:", "error:".
 */
export type Reason =
  | `auth-required: ${string}`
  | `restricted: ${string}`
  | `invalid: ${string}`
  | `rate-limited: ${string}`
  | `blocked: ${string}`
  | `duplicate: ${string}`
  | `error: ${string}`;

export const okMessage = (id: string, accepted: boolean, reason: Reason | '' = ''): string =>
  JSON.stringify(['OK', id, accepted, reason]);
export const closedMessage = (subId: string, reason: Reason): string =>
  JSON.stringify(['CLOSED', subId, reason]);
export const noticeMessage = (reason: Reason): string => JSON.stringify(['NOTICE', reason]);
export const eoseMessage = (subId: string): string => JSON.stringify(['EOSE', subId]);
export const authMessage = (challenge: string): string => JSON.stringify(['AUTH', challenge]);
/** The event is serialized once per publish; only the subscription id differs per delivery. */
export const eventMessage = (subIdJson: string, eventJson: string): string =>
  `["EVENT",${subIdJson},${eventJson}]`;
