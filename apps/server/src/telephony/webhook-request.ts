import type { Context } from 'hono';
import type { AppEnv } from '../http/context.js';
import { BodyError, decodeUtf8, parseJsonText } from '../http/json-body.js';
import { WebhookPayloadError, type WebhookRequest } from './provider.js';

/**
 * Reading a provider's webhook: the neutral WebhookRequest, then its fields. The URL a signature is checked against is the
 * configured PUBLIC_URL followed by the path and query of the request line: behind a proxy the
 * server sees another host and scheme than the provider called, and the Host header is the
 * caller's to choose, so neither is ever used.
 */

/** PUBLIC_URL (an origin, no trailing slash) + the request target ("/path?query"). */
export function publicUrlOf(publicBase: string, pathAndQuery: string): string {
  if (!pathAndQuery.startsWith('/')) throw new Error('request target must start with "/"');
  return `${publicBase.replace(/\/+$/, '')}${pathAndQuery}`;
}

/**
 * The request target as sent. @hono/node-server keeps the raw one on the incoming message;
 * elsewhere (app.request in tests) the parsed URL's path and query, which equal the raw form
 * for the URLs we generate (ids and plain query values).
 */
function requestTarget(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  if (typeof incoming?.url === 'string' && incoming.url.startsWith('/')) return incoming.url;
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}

interface RawWebhook {
  method: string;
  publicUrl: string;
  headers: Headers | Record<string, string>;
  body: Uint8Array | string;
  /** The JSON body already parsed under the same rules (by checkBodies, on the route). */
  parsedJson?: { value: unknown };
}

/**
 * A WebhookRequest from its parts (the route below, the simulated carrier, tests). The body is
 * read under the API's body rules (http/json-body.ts); on the route, checkBodies has already
 * refused a body that breaks them, elsewhere such a body reads as no parameters and no JSON.
 */
export function makeWebhookRequest(raw: RawWebhook): WebhookRequest {
  const headers = raw.headers instanceof Headers ? raw.headers : new Headers(raw.headers);
  const rawBody = typeof raw.body === 'string' ? new TextEncoder().encode(raw.body) : raw.body;
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let form = new URLSearchParams();
  let json: unknown;
  try {
    const text = decodeUtf8(rawBody);
    if (raw.method === 'POST' && type === 'application/x-www-form-urlencoded')
      form = new URLSearchParams(text);
    if (type === 'application/json') json = raw.parsedJson ? raw.parsedJson.value : parseJsonText(text);
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
  }
  return { method: raw.method.toUpperCase(), publicUrl: raw.publicUrl, headers, rawBody, form, json };
}

/** Reads a webhook from a Hono route; a JSON body checkBodies parsed is not parsed again. */
export async function readWebhookRequest(c: Context, publicBase: string): Promise<WebhookRequest> {
  const body = new Uint8Array(await c.req.arrayBuffer());
  return makeWebhookRequest({
    method: c.req.method,
    publicUrl: publicUrlOf(publicBase, requestTarget(c)),
    headers: c.req.raw.headers,
    body,
    parsedJson: (c as Context<AppEnv>).get('jsonBody'),
  });
}

/** The parameters a Twilio-style webhook carries: the form body of a POST, the query of a GET. */
export function webhookParams(request: WebhookRequest): URLSearchParams {
  return request.method === 'GET' ? new URL(request.publicUrl).searchParams : request.form;
}

// ---------------------------------------------------------------------------------------------
// Its fields

/*
 * The fields, read the same way for every provider: a field that fails its form is a 400
 * naming the provider and the field, never a 500 and never used.
 */

/** A 400 for a webhook of `provider`: "<provider> webhook: <problem>". */
export const malformedWebhook = (provider: string, problem: string): WebhookPayloadError =>
  new WebhookPayloadError(`${provider} webhook: ${problem}`);

/** A field that must be present and of its form: ids are checked here because they go into REST paths later. */
export function requiredField(provider: string, name: string, value: unknown, form: RegExp): string {
  if (typeof value !== 'string' || !form.test(value))
    throw malformedWebhook(provider, `${name} is missing or malformed`);
  return value;
}

/** Key presses as every provider reports them: digits, * and #, at most 32. */
const KEY_PRESSES = /^[0-9*#]{0,32}$/;

/** The keys the caller pressed (none is ''), or a 400 for `provider` with `problem`. */
export function keyPresses(provider: string, value: unknown, problem: string): string {
  const keys = value ?? '';
  if (typeof keys !== 'string' || !KEY_PRESSES.test(keys)) throw malformedWebhook(provider, problem);
  return keys;
}

/** A recording's length in whole seconds; anything missing or unusable counts as 0. */
export function wholeSeconds(value: unknown): number {
  const seconds = Number(value ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
}
