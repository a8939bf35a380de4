/** First reconnection delay. */
export const BACKOFF_INITIAL_MS = 1_000;
/** Longest reconnection delay: a hotline is useless for long without live events. */
export const BACKOFF_MAX_MS = 30_000;
/** Each delay is spread ±25 % so that clients cut off together do not all return together. */
export const BACKOFF_JITTER = 0.25;

/**
 * The wait before reconnection attempt `attempt` (0 for the first after a drop): 1 s, 2 s, 4 s …
 * doubling up to 30 s, each with jitter, and never outside 1 s … 30 s.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.min(Math.floor(attempt), 16));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** exponent);
  const spread = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.round(Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_INITIAL_MS, base * spread)));
}
