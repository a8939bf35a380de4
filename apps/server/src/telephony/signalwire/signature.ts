import { createHmac } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import type { WebhookRequest } from '../provider.js';
import { portVariants, TWILIO_SIGNATURE_HEADER, verifyTwilioStyleSignature } from '../twilio/signature.js';

/**
 * SignalWire signs every webhook with the project's Signing Key (not the API token) and sends
 * the signature in X-SignalWire-Signature; compatibility (LaML/cXML) callbacks may carry it as
 * X-Twilio-Signature instead, since they reproduce Twilio's requests. SignalWire documents two
 * constructions, both HMAC-SHA1 under the signing key:
 * - compatibility form posts: Twilio's, base64(HMAC(key, URL + sorted name+value pairs)),
 *   with both port forms and the bodySHA256 query parameter for JSON bodies;
 * - JSON callbacks (RELAY/SWML): lower-case hex of HMAC(key, URL + raw body).
 * Both are checked: each binds the exact URL and body under the secret key, so accepting
 * either admits nothing that was not signed with our key. No key → every request fails.
 */
const SIGNALWIRE_SIGNATURE_HEADER = 'x-signalwire-signature';

/** Hex HMAC-SHA1 over the URL followed by the raw body (SignalWire's JSON scheme). */
function signalWireBodySignature(signingKey: string, url: string, rawBody: Uint8Array | string): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  return createHmac('sha1', signingKey)
    .update(Buffer.concat([Buffer.from(url, 'utf8'), body]))
    .digest('hex');
}

function verifyBodySignature(signingKey: string, signature: string, request: WebhookRequest): boolean {
  let valid = false;
  for (const url of portVariants(request.publicUrl)) {
    const expected = signalWireBodySignature(signingKey, url, request.rawBody);
    if (constantTimeEqualText(expected, signature.toLowerCase())) valid = true;
  }
  return valid;
}

export function verifySignalWireWebhook(
  signingKey: string | null | undefined,
  request: WebhookRequest,
): boolean {
  const signature =
    request.headers.get(SIGNALWIRE_SIGNATURE_HEADER) ?? request.headers.get(TWILIO_SIGNATURE_HEADER);
  if (!signingKey || !signature) return false;
  return (
    verifyTwilioStyleSignature(signingKey, signature, request) ||
    verifyBodySignature(signingKey, signature, request)
  );
}
