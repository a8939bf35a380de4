import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './encoding.js';
import { PROTOCOL_SALT } from './labels.js';

const SALT = utf8(PROTOCOL_SALT);

/** HKDF-SHA256 with the protocol salt and the label as info: every derived key of version 1. */
export const deriveKey = (inputKey: Uint8Array, label: string, length = 32): Uint8Array =>
  hkdf(sha256, inputKey, SALT, utf8(label), length);
