import { CryptoError, LABEL_SERVER_FIELD, normalizePhone } from '@llamenos/crypto';
import { DomainError } from '../domain/errors.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';

/**
 * Volunteer phone numbers (for ringing them) are stored sealed under the server settings key,
 * with only the last four digits in clear for lists. The sealed value is bound to its table,
 * row and field, so a database writer cannot move a number from one row to another.
 */

type PhoneOwner = 'users' | 'invites';

const recordIdOf = (owner: PhoneOwner, id: string) => `${owner}/${id}/phone`;

export interface SealedPhone {
  phoneEnc: string;
  phoneLast4: string;
}

/** Normalizes to E.164 (refusing what is not a phone number) and seals it for `owner` row `id`. */
export function sealPhone(key: Uint8Array, owner: PhoneOwner, id: string, input: string): SealedPhone {
  let phone: string;
  try {
    phone = normalizePhone(input);
  } catch (error) {
    if (error instanceof CryptoError) throw new DomainError('invalid', error.message);
    throw error;
  }
  return {
    phoneEnc: sealAtRest(key, LABEL_SERVER_FIELD, recordIdOf(owner, id), phone),
    phoneLast4: phone.slice(-4),
  };
}

export const openPhone = (key: Uint8Array, owner: PhoneOwner, id: string, sealed: string): string =>
  openAtRest(key, LABEL_SERVER_FIELD, recordIdOf(owner, id), sealed);
