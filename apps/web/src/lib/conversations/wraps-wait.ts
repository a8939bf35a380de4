import type { ConversationDetail } from '@llamenos/protocol';
import type { ConnectionStatus } from '../realtime/index.js';

/** How often a thread waiting for its re-wrap looks again while the hub is out of reach. */
export const WRAPS_FALLBACK_POLL_MS = 2_000;

/** Messages not yet wrapped for this key: a change of hands waiting for its re-wrap. */
export const waitsForWraps = (detail: ConversationDetail | undefined, pubkey: string): boolean =>
  detail?.messages.some((m) => !m.envelope.wraps.some((w) => w.reader === pubkey)) ?? false;

/**
 * The open thread's refetch interval. Accepted wraps are announced on the hub
 * (conversation:updated), which re-reads the thread at once; polling is only the fallback for
 * while the hub connection is down.
 */
export function wrapsRefetchInterval(
  detail: ConversationDetail | undefined,
  pubkey: string,
  hub: ConnectionStatus,
): number | false {
  return hub !== 'connected' && waitsForWraps(detail, pubkey) ? WRAPS_FALLBACK_POLL_MS : false;
}
