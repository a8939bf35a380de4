import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A minimal software authenticator plus the browser's part of a ceremony, so tests can run real
 * WebAuthn registrations and sign-ins without a browser: ES256 (P-256) keys from node:crypto,
 * "none" attestation, discoverable credentials, and a signature counter the test can steer.
 * It implements just the byte layouts of WebAuthn Level 2 §6.1 (authenticator data) and
 * §6.5.4 (attestation object), nothing more.
 */

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

interface Credential {
  id: Buffer;
  privateKey: KeyObject;
  rpId: string;
  /** base64url of the user handle from the registration options. */
  userHandle: string;
  counter: number;
}

export interface CeremonyOverrides {
  /** The page origin the browser reports (default: the authenticator's origin). */
  origin?: string;
  /** The counter to sign with instead of the next one. */
  counter?: number;
  /** Sign with this credential (default: the most recently registered). */
  credentialId?: string;
}

/** The COSE_Key of a P-256 public key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y. */
function coseKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
      [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
    ]),
  );
}

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Uint8Array): Buffer {
  const head = Buffer.alloc(37);
  sha256(rpId).copy(head, 0);
  head[32] = flags;
  head.writeUInt32BE(counter, 33);
  return attested ? Buffer.concat([head, attested]) : head;
}

function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

export class SoftwareAuthenticator {
  readonly credentials: Credential[] = [];
  /** Whether the "user" passes user verification (PIN/biometric). */
  userVerified = true;

  constructor(readonly origin: string) {}

  get rpId(): string {
    return new URL(this.origin).hostname;
  }

  /** The credential id (base64url) of the most recent registration. */
  get credentialId(): string {
    const last = this.credentials.at(-1);
    if (!last) throw new Error('no credential registered yet');
    return b64url(last.id);
  }

  /** navigator.credentials.create(): makes a new key pair and returns the attestation response. */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(32);
    const rpId = options.rp.id ?? this.rpId;
    this.credentials.push({ id, privateKey, rpId, userHandle: options.user.id, counter: 0 });

    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, idLength, id, coseKey(publicKey)]);
    const flags = FLAG_USER_PRESENT | (this.userVerified ? FLAG_USER_VERIFIED : 0) | FLAG_ATTESTED_DATA;
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authenticatorData(rpId, flags, 0, attested))],
      ]),
    );
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(
          clientData('webauthn.create', options.challenge, overrides.origin ?? this.origin),
        ),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get(): signs the challenge with a discoverable credential. */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: CeremonyOverrides = {},
  ): AuthenticationResponseJSON {
    const credential = overrides.credentialId
      ? this.credentials.find((c) => b64url(c.id) === overrides.credentialId)
      : this.credentials.at(-1);
    if (!credential) throw new Error('no such credential');
    credential.counter = overrides.counter ?? credential.counter + 1;
    const flags = FLAG_USER_PRESENT | (this.userVerified ? FLAG_USER_VERIFIED : 0);
    const authData = authenticatorData(options.rpId ?? credential.rpId, flags, credential.counter);
    const clientDataJSON = clientData('webauthn.get', options.challenge, overrides.origin ?? this.origin);
    // ECDSA over authenticatorData || SHA-256(clientDataJSON); node:crypto emits the DER form WebAuthn uses.
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    };
  }
}
