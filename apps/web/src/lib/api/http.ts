import { createAuthHeader, createRequestKeyHeader, fromHex } from '@llamenos/crypto';
import { RequestKeyResponse } from '@llamenos/protocol';
import { z } from 'zod';

/** An API failure, carrying the server's error code so the UI can show a translated message. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** A request key (PROTOCOL.md §5.4) and when to ask for the next one, by this device's clock. */
interface HeldRequestKey {
  keyId: string;
  key: Uint8Array;
  renewAt: number;
}

/**
 * The unlocked key, and the request key one NIP-98 request obtained with it: requests are then
 * signed with an HMAC (microseconds) instead of a Schnorr signature each (milliseconds, on the
 * page's thread). Kept in memory only, and dropped with the key when the app locks.
 */
interface KeyCredentials {
  kind: 'key';
  secretKey: Uint8Array;
  held: HeldRequestKey | null;
  pending: Promise<HeldRequestKey | null> | null;
  /** After a failed attempt, requests are signed with NIP-98 until then rather than asking again each time. */
  unavailableUntil: number;
}

type Credentials = KeyCredentials | { kind: 'session'; token: string } | null;

const REQUEST_KEY_PATH = '/api/auth/request-key';
/** A key is renewed this long before it expires, so a request in flight never carries a dead one. */
const RENEW_BEFORE_SECONDS = 60;
/** How long a server that gave no key is not asked again. */
const RETRY_REQUEST_KEY_MS = 60_000;

let credentials: Credentials = null;
let signingOrigin = typeof location === 'undefined' ? '' : location.origin;

/** Requests are signed for this origin: the server's PUBLIC_URL, from /api/config. */
export function setSigningOrigin(origin: string): void {
  signingOrigin = origin.replace(/\/+$/, '');
}

/**
 * Sign every request with this key — set on unlock, cleared on lock: under a request key it
 * obtains (PROTOCOL.md §5.4), or with NIP-98 while the server gives none.
 */
export function useKey(secretKey: Uint8Array | null): void {
  credentials = secretKey ? { kind: 'key', secretKey, held: null, pending: null, unavailableUntil: 0 } : null;
}

/** One NIP-98 request for a request key; null when the server gives none (its answer is not used then). */
async function obtainRequestKey(secretKey: Uint8Array): Promise<HeldRequestKey | null> {
  const asked = Date.now();
  try {
    const response = await fetch(REQUEST_KEY_PATH, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        authorization: createAuthHeader(
          { url: `${signingOrigin}${REQUEST_KEY_PATH}`, method: 'POST' },
          secretKey,
        ),
      },
    });
    if (!response.ok) return null;
    const parsed = RequestKeyResponse.safeParse(await response.json().catch(() => null));
    if (!parsed.success) return null;
    const lifetime = Math.max(0, parsed.data.expiresIn - RENEW_BEFORE_SECONDS);
    return { keyId: parsed.data.keyId, key: fromHex(parsed.data.key, 32), renewAt: asked + lifetime * 1000 };
  } catch {
    return null;
  }
}

/** The request key to sign with, asked for once however many requests wait for it; null: sign with NIP-98. */
function requestKeyOf(keys: KeyCredentials): Promise<HeldRequestKey | null> | HeldRequestKey | null {
  const now = Date.now();
  if (keys.held && now < keys.held.renewAt) return keys.held;
  if (now < keys.unavailableUntil) return null;
  keys.pending ??= obtainRequestKey(keys.secretKey)
    .then((key) => {
      keys.held = key;
      if (!key) keys.unavailableUntil = Date.now() + RETRY_REQUEST_KEY_MS;
      return key;
    })
    .finally(() => {
      keys.pending = null;
    });
  return keys.pending;
}

/** Use a passkey session token instead of a key. */
export function useSession(token: string | null): void {
  credentials = token ? { kind: 'session', token } : null;
}

export interface RequestOptions {
  /** Sign with this key for this request only (bootstrap and invite redemption, before the vault exists). */
  signWith?: Uint8Array;
  signal?: AbortSignal;
  /** A binary body's SHA-256 (hex), when the caller hashed it already (an upload chunk, in its worker). */
  bodySha256?: string;
}

/** Routes anyone may call (the server's `isPublic` guard), as this client uses them. */
const PUBLIC_PATHS =
  /^\/api\/(config|version|bootstrap\/status|invites\/(status|preview)|auth\/login\/(options|verify))(\?|$)/;

/** Sends a signed request; a network failure says plainly that nothing was saved. */
async function send(
  method: string,
  path: string,
  body: unknown,
  options: RequestOptions,
  accept: string,
): Promise<Response> {
  // Bytes (an encrypted upload chunk) are sent and signed as they are; anything else as JSON.
  // A Blob (an upload chunk in a file, lib/attachments/chunk-slots.ts) is signed by its hash.
  const bytes = body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : null;
  const file = typeof Blob !== 'undefined' && body instanceof Blob && options.bodySha256 ? body : null;
  const text = body === undefined || bytes || file ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { accept };
  if (body !== undefined)
    headers['content-type'] = bytes || file ? 'application/octet-stream' : 'application/json';
  const signed = {
    url: `${signingOrigin}${path}`,
    method,
    body: bytes ?? text,
    ...((bytes || file) && options.bodySha256 ? { bodySha256: options.bodySha256 } : {}),
  };
  const current = credentials;
  const keyCredentials = !options.signWith && current?.kind === 'key' ? current : null;
  const requestKey = keyCredentials ? await requestKeyOf(keyCredentials) : null;
  const secretKey = options.signWith ?? keyCredentials?.secretKey;
  if (requestKey) headers.authorization = createRequestKeyHeader(signed, requestKey);
  else if (secretKey) headers.authorization = createAuthHeader(signed, secretKey);
  else if (current?.kind === 'session') headers.authorization = `Bearer ${current.token}`;
  // Locked (no key, no session): a read still mounted while the screen changes to Unlock must
  // not go out unsigned. It would only come back 401 and tell the network when the app locked.
  else if (!PUBLIC_PATHS.test(path))
    throw new ApiRequestError(401, 'unauthenticated', 'The app is locked: unlock it first.');
  const init: RequestInit = {
    method,
    headers,
    // Bytes go as a Blob: Chromium sends a Blob body to its network process as a stream,
    // where an ArrayBuffer body is copied across whole (measured: 4 MiB upload chunks went
    // from about 14 to 37 MB/s, `npm run bench -- reports`).
    body: body === undefined ? undefined : (file ?? (bytes ? new Blob([bytes]) : text)),
    signal: options.signal,
  };
  const response = await sendOnce(path, init);
  // A refused request key (the server's secret changed, this device's clock jumped): the server
  // did nothing with the request, so it goes again signed with the key itself, and the next
  // request asks for a new key.
  if (requestKey && keyCredentials && response.status === 401) {
    if (keyCredentials.held === requestKey) keyCredentials.held = null;
    headers.authorization = createAuthHeader(signed, keyCredentials.secretKey);
    return sendOnce(path, init);
  }
  return response;
}

/** One fetch; a network failure says plainly that nothing was saved. */
async function sendOnce(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiRequestError(0, 'network', 'The server could not be reached. Nothing was saved; try again.');
  }
}

/** A refusal's body: the API's error shape, read field by field so a partial one still says what it can. */
const RefusalBody = z.object({
  error: z.object({
    code: z.string().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    details: z.unknown().optional(),
  }),
});

async function failure(response: Response): Promise<ApiRequestError> {
  const payload: unknown = await response.json().catch(() => null);
  const parsed = RefusalBody.safeParse(payload);
  const error = parsed.success ? parsed.data.error : undefined;
  return new ApiRequestError(
    response.status,
    error?.code ?? 'internal',
    error?.message ?? response.statusText,
    error?.details,
  );
}

/** Reads the answer of a request, mapping a refusal to ApiRequestError. */
async function answer(
  method: string,
  path: string,
  body: unknown,
  options: RequestOptions,
): Promise<Response> {
  const response = await send(method, path, body, options, 'application/json');
  if (!response.ok) throw await failure(response);
  return response;
}

/**
 * The one way the client talks to the server: JSON in and out, every request signed, errors
 * mapped to ApiRequestError, and every answer checked against its schema before a page sees it
 * (a server of another version, or a proxy's page, is an error here, not a crash later).
 */
export async function request<S extends z.ZodType>(
  schema: S,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<z.output<S>> {
  const response = await answer(method, path, body, options);
  const payload: unknown = await response.json().catch(() => null);
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new ApiRequestError(
    response.status,
    'invalid_response',
    `The server's answer to ${method} ${path.split('?')[0]} was not understood${where}.`,
  );
}

/** A request whose answer carries nothing the client uses (a 204, or a deletion's echo): its body is never read. */
export async function requestVoid(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<void> {
  await answer(method, path, body, options);
}

/**
 * A signed GET whose answer is JSON lines (an export: the server audits it before the first
 * line), each line checked against `schema`. The JSON helper reads one document, not lines.
 */
export async function requestJsonLines<S extends z.ZodType>(
  schema: S,
  path: string,
  options: RequestOptions = {},
): Promise<z.output<S>[]> {
  const response = await send('GET', path, undefined, options, 'application/x-ndjson');
  if (!response.ok) throw await failure(response);
  const lines: z.output<S>[] = [];
  for (const [index, raw] of (await response.text()).split('\n').entries()) {
    if (!raw.trim()) continue;
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      payload = undefined;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success)
      throw new ApiRequestError(
        response.status,
        'invalid_response',
        `The server's answer to GET ${path.split('?')[0]} was not understood at line ${index + 1}.`,
      );
    lines.push(parsed.data);
  }
  return lines;
}

/** A signed GET whose answer is a byte stream (an encrypted file), read as it arrives. */
export async function apiStream(
  path: string,
  options: RequestOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const response = await send('GET', path, undefined, options, 'application/octet-stream');
  if (!response.ok) throw await failure(response);
  if (!response.body) throw new ApiRequestError(response.status, 'internal', 'empty answer');
  return response.body;
}
