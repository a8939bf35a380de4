import { isIP } from 'node:net';
import { TelephonyNotConfiguredError } from '../errors.js';

/**
 * Where the Asterisk REST Interface may be. ARI controls every call on the PBX and carries its
 * password in basic auth and in the events URL (api_key=user:pass), so it must only be reached
 * over a loopback or private network: the host must be "localhost" or an IP literal in
 * 127.0.0.0/8, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, ::1 or fc00::/7. A host name is
 * refused, because DNS could later point it anywhere.
 */
export const ARI_ADDRESS_RULE =
  'the ARI URL must use "localhost" or a loopback or private-network IP address (127.0.0.0/8, 10.0.0.0/8, ' +
  '172.16.0.0/12, 192.168.0.0/16, ::1, fc00::/7): ARI controls every call and its password travels with ' +
  'each request, so it must never be reachable from the internet, and a host name could be re-pointed by DNS';

function privateIpv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function privateIpv6(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === '::1') return true;
  // fc00::/7: the first byte is 0xfc or 0xfd (unique local addresses).
  return /^f[cd][0-9a-f]{0,2}:/.test(lower);
}

/** True for a host ARI may live on (see above). */
export function isAllowedAriHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return privateIpv4(host);
  if (family === 6) return privateIpv6(host);
  return false;
}

interface AriAddress {
  /** Origin plus any path prefix, without "/ari" and without a trailing slash. */
  httpBase: string;
  /** The same for the events WebSocket (ws: or wss:). */
  wsBase: string;
}

/** Checks an admin's ARI URL and splits it into the REST and WebSocket bases, or says why not. */
export function ariAddress(value: string): AriAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TelephonyNotConfiguredError('asterisk', 'configure', 'the ARI URL is not a URL');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username ||
    url.password ||
    url.search ||
    url.hash
  )
    throw new TelephonyNotConfiguredError(
      'asterisk',
      'configure',
      'the ARI URL must be http(s) without credentials or query',
    );
  if (!isAllowedAriHost(url.hostname))
    throw new TelephonyNotConfiguredError('asterisk', 'configure', ARI_ADDRESS_RULE);
  // Admins write either the server ("http://10.0.0.5:8088") or the interface (".../ari").
  const path = url.pathname.replace(/\/+$/, '').replace(/\/ari$/, '');
  const httpBase = `${url.protocol}//${url.host}${path}`;
  return { httpBase, wsBase: httpBase.replace(/^http/, 'ws') };
}
