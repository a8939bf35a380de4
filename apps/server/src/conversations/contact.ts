import {
  CryptoError,
  hashPhone,
  keyedHash,
  LABEL_PHONE_HASH,
  LABEL_SERVER_FIELD,
  normalizePhone,
} from '@llamenos/crypto';
import type { ServerKeys } from '../http/context.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';

/**
 * A contact as the server keeps them. The keyed hash of a phone number is the one calls use, so
 * a ban or a rate limit follows one person across calls and texts. A Signal account id (not a
 * number) is hashed as given under the same label: an E.164 number always starts with "+", an
 * account id never does, so the two kinds cannot collide. The address itself is needed to reply
 * and is sealed under the settings key, bound to its conversation row.
 */

export interface ContactIdentity {
  hash: string;
  last4: string | null;
}

function asPhone(address: string): string | null {
  try {
    return normalizePhone(address);
  } catch (error) {
    if (error instanceof CryptoError) return null;
    throw error;
  }
}

export function contactIdentity(keys: ServerKeys, address: string): ContactIdentity {
  const phone = asPhone(address);
  if (phone) return { hash: hashPhone(keys.hashKey, phone), last4: phone.slice(-4) };
  return { hash: keyedHash(keys.hashKey, LABEL_PHONE_HASH, address), last4: null };
}

const contactRecordId = (conversationId: string) => `conversations/${conversationId}/contact`;
const mediaRefRecordId = (mediaId: string) => `conversation_media/${mediaId}/ref`;

export const sealContact = (keys: ServerKeys, conversationId: string, address: string): string =>
  sealAtRest(keys.settingsKey, LABEL_SERVER_FIELD, contactRecordId(conversationId), address);

export const openContact = (keys: ServerKeys, conversationId: string, sealed: string): string =>
  openAtRest(keys.settingsKey, LABEL_SERVER_FIELD, contactRecordId(conversationId), sealed);

/** A provider's media handle can be a URL naming the account and message: sealed like an address. */
export const sealMediaRef = (keys: ServerKeys, mediaId: string, ref: string): string =>
  sealAtRest(keys.settingsKey, LABEL_SERVER_FIELD, mediaRefRecordId(mediaId), ref);

export const openMediaRef = (keys: ServerKeys, mediaId: string, sealed: string): string =>
  openAtRest(keys.settingsKey, LABEL_SERVER_FIELD, mediaRefRecordId(mediaId), sealed);
