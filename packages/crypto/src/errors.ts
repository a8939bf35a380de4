/** Why a cryptographic operation refused its input. Stable strings: the server maps them to 4xx codes. */
export type CryptoErrorCode =
  | 'MALFORMED' // wrong length, bad encoding, non-canonical form
  | 'UNSUPPORTED_VERSION' // a version byte this code does not speak
  | 'INVALID_KEY' // not a valid secp256k1 secret or public key
  | 'DECRYPT_FAILED' // authentication failed: tampered, wrong key, wrong label or record
  | 'WRONG_PIN' // the PIN lock did not open
  | 'WRONG_RECOVERY_KEY' // the recovery lock did not open
  | 'TRUNCATED' // a stream ended before its final chunk
  | 'TOO_LARGE' // input above a protocol limit
  | 'AUTH_INVALID' // an auth token that is malformed or badly signed
  | 'AUTH_EXPIRED' // an auth token outside the time window
  | 'AUTH_MISMATCH'; // an auth token for another URL, method or body

/** The one error type this package throws for bad input. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Throws a CryptoError with `code` unless `condition` holds. */
export function ensure(condition: unknown, code: CryptoErrorCode, message: string): asserts condition {
  if (!condition) throw new CryptoError(code, message);
}
