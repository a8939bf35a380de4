/**
 * Limits of the embedded relay, in one place. Each bounds what one connection can cost the
 * process, so a broken or hostile client cannot starve the others or grow memory without bound.
 */

/** Largest frame we read. Hub events are a few hundred bytes; 64 KiB leaves room for later payloads. */
export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * Frames between MAX_FRAME_BYTES and this get a NOTICE and the connection stays open; above it,
 * `ws` drops the connection (close 1009) before buffering the rest of the frame.
 */
export const HARD_FRAME_BYTES = 2 * MAX_FRAME_BYTES;
/** A client needs one subscription (all hub events); 20 covers several tabs' worth of features. */
export const MAX_SUBSCRIPTIONS = 20;
/** Filters in one REQ: matching cost is filters × events, so keep it small. */
export const MAX_FILTERS = 10;
/** Values in one filter list (ids, authors, kinds, #t): bounds the matching cost of a filter. */
export const MAX_FILTER_VALUES = 100;
/** Subscription ids are opaque; NIP-01 clients use short ones. */
export const MAX_SUBSCRIPTION_ID = 64;
/** Token bucket per connection: a sustained 50 messages/s (presence is one event per change), bursts of 50. */
export const MESSAGES_PER_SECOND = 50;
export const MESSAGE_BURST = 50;
/**
 * Refusals are themselves metered by a second bucket, so what closes a connection is sustained
 * abuse over time, not a count in a row that one refilled token would reset: a connection may
 * run up REFUSALS_TOLERATED refusals at once, and is forgiven REFUSALS_FORGIVEN_PER_SECOND of
 * them each second. A client that bursts now and then stays; one that keeps sending past the
 * rate (more than 10 refused messages a second on average) is closed within seconds, and a
 * flood within its first REFUSALS_TOLERATED refusals.
 */
export const REFUSALS_TOLERATED = 200;
export const REFUSALS_FORGIVEN_PER_SECOND = 10;
/** Messages queued while an AUTH is being checked against the database. */
export const MAX_QUEUED_MESSAGES = 64;
/**
 * Outgoing bytes buffered for one connection (ws.bufferedAmount) above which it is cut off:
 * a client that does not read must not make the server hold its backlog in memory.
 */
export const SLOW_CONSUMER_BYTES = 1024 * 1024;
/** After asking a slow consumer to close, how long to wait before destroying its socket. */
export const SLOW_CONSUMER_GRACE_MS = 2_000;
/** NIP-42: an AUTH event's created_at must be within this of now. */
export const AUTH_MAX_SKEW_SECONDS = 600;
/** A connection that has not authenticated within this is closed: unauthenticated sockets cost memory. */
export const AUTH_TIMEOUT_MS = 60_000;
/** Event ids remembered to drop duplicates (a re-sent event, or one that came back through the bridge). */
export const RECENT_IDS = 10_000;
/** Keep-alive: ping every connection this often; one that has not answered the previous ping is dropped. */
export const PING_INTERVAL_MS = 30_000;
/** Connections per process, so a connection flood cannot exhaust file descriptors and memory. */
export const MAX_CONNECTIONS = 10_000;
