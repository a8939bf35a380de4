import { E164 } from '@llamenos/protocol';

/** Vonage call (leg) ids are UUIDs; they go into REST paths, so nothing else is accepted. */
export const VONAGE_CALL_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Vonage writes numbers as E.164 digits without the "+" ("447700900000"). Null for anything
 * that is not a phone number ("Unknown", SIP URIs, app users).
 */
export function fromVonageNumber(value: unknown): string | null {
  if (typeof value !== 'string' || !/^\+?\d{8,15}$/.test(value)) return null;
  const e164 = value.startsWith('+') ? value : `+${value}`;
  return E164.safeParse(e164).success ? e164 : null;
}

/** Our E.164 numbers as Vonage takes them: digits only. */
export const toVonageNumber = (e164: string): string => e164.slice(1);

/**
 * Recordings are named by URL: https://api.nexmo.com/v1/files/<uuid>, or a regional host such as
 * api-us.nexmo.com or api-eu.vonage.com. Only such URLs are ever fetched (with our application
 * token attached), so a forged callback cannot point the server at another host (SSRF) or
 * hand our credentials to one.
 */
const RECORDING_HOST = /^api(-[a-z0-9]{1,20}){0,3}\.(nexmo|vonage)\.com$/;
const RECORDING_PATH =
  /^\/v1\/files\/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The canonical form of a Vonage recording URL, or null if it is not one. */
export function vonageRecordingUrl(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 300) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const clean =
    url.protocol === 'https:' &&
    !url.port &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    RECORDING_HOST.test(url.hostname) &&
    RECORDING_PATH.test(url.pathname);
  return clean ? `https://${url.hostname}${url.pathname}` : null;
}
