import type { NostrEvent } from '@llamenos/crypto';
import type { ServerContext } from '../http/context.js';
import type { Bridge } from './bridge.js';
import type { ExternalPublisher } from './external.js';
import type { EmbeddedRelay } from './relay.js';

/** The real-time side of one running server: its relay (or external publisher) and its bridge. */
export interface Realtime {
  relay: EmbeddedRelay | null;
  external: ExternalPublisher | null;
  bridge: Bridge | null;
  /** Delivers a signed event to every client of every process. */
  publish(event: NostrEvent): Promise<void>;
  close(): Promise<void>;
}

/**
 * The running real-time services of a context (its `realtime` slot). A context without them (a
 * test app with no HTTP server) still rotates keys and encrypts events, it just has nobody to
 * send to.
 */
export const realtimeOf = (ctx: ServerContext): Realtime | undefined => ctx.realtime ?? undefined;
