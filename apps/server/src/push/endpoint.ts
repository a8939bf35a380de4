import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { invalid } from '../domain/errors.js';

/**
 * The server POSTs to the endpoint a browser hands it, so a member could otherwise aim the
 * server at anything it can reach (SSRF: an internal admin page, a cloud metadata address).
 * An endpoint is therefore accepted only when it is:
 * - https on the default port, with a host name (no IP literal, no user:password@),
 *   under one of the browsers' push services below;
 * - or, outside production only, http(s) to loopback (127.0.0.1, ::1, localhost): the tests'
 *   and a developer's fake push service.
 * web-push does not follow redirects, so a push service cannot bounce the request elsewhere.
 * docs/THREAT-MODEL.md records this rule.
 */
export const PUSH_SERVICE_HOSTS: readonly string[] = [
  'fcm.googleapis.com', // Chrome, Edge on Android, Brave, Opera
  'updates.push.services.mozilla.com', // Firefox
  'push.services.mozilla.com',
  'web.push.apple.com', // Safari
  'notify.windows.com', // Edge on Windows (wns2-*.notify.windows.com)
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

const underPushService = (host: string) =>
  PUSH_SERVICE_HOSTS.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));

/** Why `endpoint` is refused, or null when the server may send to it. */
export function endpointRefusal(endpoint: string, config: Pick<Config, 'isProduction'>): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'the endpoint is not a URL';
  }
  if (url.username || url.password) return 'the endpoint must not carry a user name or password';
  const host = url.hostname.toLowerCase();
  if (!config.isProduction && LOOPBACK_HOSTS.has(host) && /^https?:$/.test(url.protocol)) return null;
  if (url.protocol !== 'https:') return 'the endpoint must be an https URL';
  if (url.port !== '') return 'the endpoint must use the default https port';
  if (isIP(host.replace(/^\[|\]$/g, ''))) return 'the endpoint must name a push service, not an address';
  if (!underPushService(host)) return `the endpoint's host is not a known browser push service (${host})`;
  return null;
}

export function checkEndpoint(endpoint: string, config: Pick<Config, 'isProduction'>): void {
  const refusal = endpointRefusal(endpoint, config);
  if (refusal) throw invalid(refusal);
}
