import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * Whom to believe about the client's address (TRUST_PROXY, TRUST_PROXY_HOPS,
 * TRUST_PROXY_ADDRESSES; docs/OPERATIONS.md "Behind a reverse proxy"):
 * - none: the socket peer; X-Forwarded-For is ignored.
 * - hops: every request comes through `hops` proxies of ours, each appending the address it saw
 *   to X-Forwarded-For; the client is the entry `hops` places from the right.
 * - addresses: the header is read only when the socket peer is a listed proxy; the client is the
 *   right-most entry that is not a listed proxy.
 * Entries left of those are whatever the client sent, so they are never read. The `Forwarded`
 * header (RFC 7239) is not read.
 */
export type ProxyTrust =
  | { readonly mode: 'none' }
  | { readonly mode: 'hops'; readonly hops: number }
  | { readonly mode: 'addresses'; readonly proxies: readonly string[]; readonly list: BlockList };

/** The address of a request whose client cannot be told; one shared rate-limit bucket, never loopback. */
const UNKNOWN_CLIENT = 'unknown';

/** An IP address or CIDR block ("10.0.0.0/8", "fd00::/8", "192.0.2.10"); null when it is neither. */
export function parseProxyAddress(text: string): { address: string; prefix: number; family: 4 | 6 } | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  const family = isIP(address) as 0 | 4 | 6;
  if (family === 0 || rest.length) return null;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return null;
  return { address, prefix: Number(prefixText), family };
}

/** Builds the policy from validated configuration values. */
export function proxyTrust(trust: boolean, hops?: number, addresses?: readonly string[]): ProxyTrust {
  if (!trust) return { mode: 'none' };
  if (!addresses) return { mode: 'hops', hops: hops ?? 1 };
  const list = new BlockList();
  for (const entry of addresses) {
    const parsed = parseProxyAddress(entry);
    if (!parsed) throw new Error(`not an IP address or CIDR block: ${entry}`);
    list.addSubnet(parsed.address, parsed.prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
  }
  return { mode: 'addresses', proxies: addresses, list };
}

/** A bare IP address, lower-cased; null for anything else (ports, names, empty entries). */
function ipOrNull(entry: string | undefined): string | null {
  const value = entry?.trim().toLowerCase();
  return value && isIP(value) ? value : null;
}

const isListed = (list: BlockList, ip: string) => list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');

function socketPeer(c: Context): string | null {
  try {
    return ipOrNull(getConnInfo(c).remote.address);
  } catch {
    return null; // in-process requests (tests) have no socket
  }
}

/**
 * The client's address under `trust`. When the proxy's entry is missing or malformed the answer is
 * UNKNOWN_CLIENT, never the proxy's own address (often loopback) and never an entry further left.
 */
export function clientIp(c: Context, trust: ProxyTrust): string {
  const peer = socketPeer(c);
  if (trust.mode === 'none') return peer ?? UNKNOWN_CLIENT;
  if (trust.mode === 'addresses' && !(peer && isListed(trust.list, peer))) return peer ?? UNKNOWN_CLIENT;
  // Repeated headers arrive joined with ", " in the order received, so the split covers them too.
  const chain = (c.req.header('x-forwarded-for') ?? '').split(',');
  if (trust.mode === 'hops') {
    return chain.length >= trust.hops
      ? (ipOrNull(chain[chain.length - trust.hops]) ?? UNKNOWN_CLIENT)
      : UNKNOWN_CLIENT;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const entry = ipOrNull(chain[i]);
    if (!entry) return UNKNOWN_CLIENT; // whatever lies left of a malformed entry cannot be trusted
    if (i === 0 || !isListed(trust.list, entry)) return entry;
  }
  return UNKNOWN_CLIENT;
}
