import { createAuthHeader } from '@llamenos/crypto';

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

type Credentials = { kind: 'key'; secretKey: Uint8Array } | { kind: 'session'; token: string } | null;

let credentials: Credentials = null;
let signingOrigin = typeof location === 'undefined' ? '' : location.origin;

/** Requests are signed for this origin: the server's PUBLIC_URL, from /api/config. */
export function setSigningOrigin(origin: string): void {
  signingOrigin = origin.replace(/\/+$/, '');
}

/** Sign every request with this key (NIP-98) — set on unlock, cleared on lock. */
export function useKey(secretKey: Uint8Array | null): void {
  credentials = secretKey ? { kind: 'key', secretKey } : null;
}

/** Use a passkey session token instead of a key. */
export function useSession(token: string | null): void {
  credentials = token ? { kind: 'session', token } : null;
}

export interface RequestOptions {
  /** Sign with this key for this request only (bootstrap and invite redemption, before the vault exists). */
  signWith?: Uint8Array;
  signal?: AbortSignal;
}

/** Sends a signed request; a network failure says plainly that nothing was saved. */
async function send(
  method: string,
  path: string,
  body: unknown,
  options: RequestOptions,
  accept: string,
): Promise<Response> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers: Record<string, string> = { accept };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const key = options.signWith ?? (credentials?.kind === 'key' ? credentials.secretKey : null);
  if (key)
    headers.authorization = createAuthHeader({ url: `${signingOrigin}${path}`, method, body: text }, key);
  else if (credentials?.kind === 'session') headers.authorization = `Bearer ${credentials.token}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : text,
      signal: options.signal,
    });
  } catch {
    throw new ApiRequestError(0, 'network', 'The server could not be reached. Nothing was saved; try again.');
  }
}

async function failure(response: Response): Promise<ApiRequestError> {
  const payload = (await response.json().catch(() => null)) as unknown;
  const error = (payload as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  return new ApiRequestError(
    response.status,
    error?.code ?? 'internal',
    error?.message ?? response.statusText,
    error?.details,
  );
}

/**
 * The one way the client talks to the server: JSON in and out, every request signed,
 * errors mapped to ApiRequestError. A network failure says plainly that nothing was saved.
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const response = await send(method, path, body, options, 'application/json');
  if (!response.ok) throw await failure(response);
  return (await response.json().catch(() => null)) as T;
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
