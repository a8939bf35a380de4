import { E164 } from '@llamenos/protocol';
import { TelephonyInputError } from './errors.js';
import type { ConnectedCall, VolunteerLegRequest } from './provider.js';

/**
 * Checks on everything we put into a provider request, made before anything is sent: a bad
 * number must not cost a call attempt, and ids go into URL paths, so they must be exactly
 * the provider's id form (no "../", no "?").
 */

export function requireE164(provider: string, operation: string, field: string, value: string): string {
  if (!E164.safeParse(value).success)
    throw new TelephonyInputError(provider, operation, `${field} is not an E.164 phone number`);
  return value;
}

/** A volunteer's browser identity ("v" + 24 hex digits): it goes into SIP URIs and dial strings. */
export function requireBrowserIdentity(provider: string, operation: string, value: string): string {
  if (!/^v[0-9a-f]{24}$/.test(value))
    throw new TelephonyInputError(provider, operation, 'browser is not a browser identity');
  return value;
}

/** An absolute http(s) URL without credentials: the only kind we hand a provider to call back. */
export function requireCallbackUrl(
  provider: string,
  operation: string,
  field: string,
  value: string,
): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelephonyInputError(provider, operation, `${field} is not an absolute URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw new TelephonyInputError(provider, operation, `${field} must be an http(s) URL without credentials`);
  return value;
}

export function requireId(
  provider: string,
  operation: string,
  field: string,
  value: string,
  pattern: RegExp,
): string {
  if (!pattern.test(value)) throw new TelephonyInputError(provider, operation, `${field} is not a valid id`);
  return value;
}

export function requireSeconds(
  provider: string,
  operation: string,
  field: string,
  value: number,
  min: number,
  max: number,
): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new TelephonyInputError(
      provider,
      operation,
      `${field} must be a whole number from ${min} to ${max}`,
    );
  return value;
}

/** The hotline's call ids as the router creates them (calls/inbound.ts): a UUID, nothing else. */
const HOTLINE_CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The hotline call a browser leg rings for, which the adapter passes to the provider's browser
 * SDK (Twilio's custom parameter, Plivo's X-PH- header, Asterisk's X-Llamenos-Call header) so the
 * app answers the card that rings. Read from the leg's answer URL (`…?call=<id>&leg=<id>`, the
 * router's own); null for a phone leg, or when the id is absent or not a call id, so nothing odd
 * ever reaches a SIP header or an address. One rule for every adapter, and the web app's
 * provider-phone/sdk-call.ts keeps the same one.
 */
export function browserLegCallId(request: { browser?: string; answerUrl: string }): string | null {
  if (request.browser === undefined) return null;
  try {
    const id = new URL(request.answerUrl).searchParams.get('call');
    return id && HOTLINE_CALL_ID.test(id) ? id.toLowerCase() : null;
  } catch {
    return null;
  }
}

/** A leg's ring time: 5 s to `maxRingSeconds`, the provider's own limit. */
function ringSeconds(
  provider: string,
  operation: string,
  request: VolunteerLegRequest,
  maxRingSeconds: number,
): number {
  return requireSeconds(provider, operation, 'timeoutSeconds', request.timeoutSeconds, 5, maxRingSeconds);
}

/** A volunteer leg's request with every field checked (checkLegRequest). */
export interface CheckedLeg {
  /** Where it rings: the volunteer's phone, or their browser with the hotline call it rings for. */
  target: { phone: string } | { browser: string; hotlineCall: string | null };
  from: string;
  answerUrl: string;
  statusUrl: string;
  timeoutSeconds: number;
}

/**
 * Checks a volunteer leg's request for a REST adapter that rings a phone or a browser and is
 * called back at the leg's URLs: the numbers, the identity, the URLs and the ring time (5 s to
 * `maxRingSeconds`, the provider's own limit), before anything is sent.
 */
export function checkLegRequest(
  provider: string,
  operation: string,
  request: VolunteerLegRequest,
  maxRingSeconds: number,
): CheckedLeg {
  return {
    target:
      request.browser === undefined
        ? { phone: requireE164(provider, operation, 'to', request.to) }
        : {
            browser: requireBrowserIdentity(provider, operation, request.browser),
            hotlineCall: browserLegCallId(request),
          },
    from: requireE164(provider, operation, 'from', request.from),
    answerUrl: requireCallbackUrl(provider, operation, 'answerUrl', request.answerUrl),
    statusUrl: requireCallbackUrl(provider, operation, 'statusUrl', request.statusUrl),
    timeoutSeconds: ringSeconds(provider, operation, request, maxRingSeconds),
  };
}

/** A browser dialled into a connected call, every field checked (checkDialIn). */
export interface CheckedDialIn {
  browser: string;
  /** The hotline call named by the request's answer URL (browserLegCallId). */
  hotlineCall: string | null;
  from: string;
  timeoutSeconds: number;
  /** The leg's status URL when it reports its states (a colleague), else null (a listener). */
  statusUrl: string | null;
}

/**
 * Checks a request that dials a browser into a connected call (a colleague taking it over, an
 * admin listening): only a browser is dialled in, rung for 5 s to `maxRingSeconds`; its status
 * URL is read only when the leg reports its states, since a listener's is never used.
 */
export function checkDialIn(
  provider: string,
  operation: string,
  request: VolunteerLegRequest,
  maxRingSeconds: number,
  reportStatus: boolean,
): CheckedDialIn {
  if (request.browser === undefined)
    throw new TelephonyInputError(provider, operation, 'only a browser is dialled into a call');
  return {
    browser: requireBrowserIdentity(provider, operation, request.browser),
    hotlineCall: browserLegCallId(request),
    from: requireE164(provider, operation, 'from', request.from),
    timeoutSeconds: ringSeconds(provider, operation, request, maxRingSeconds),
    statusUrl: reportStatus ? requireCallbackUrl(provider, operation, 'statusUrl', request.statusUrl) : null,
  };
}

/**
 * The three legs a warm transfer's hand-over names, in this order: the first volunteer's, the
 * colleague's and the caller's, each checked by `id` against the provider's id form before it
 * goes into a REST path.
 */
export function handOverLegs(
  call: Pick<ConnectedCall, 'volunteerLegId' | 'callerLegId'>,
  toLegId: string,
  id: (field: string, value: string) => string,
): { first: string; next: string; caller: string } {
  const first = id('volunteer leg', call.volunteerLegId);
  const next = id('leg', toLegId);
  return { first, next, caller: id('caller leg', call.callerLegId) };
}
