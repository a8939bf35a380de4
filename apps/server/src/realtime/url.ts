import type { Config } from '../config.js';

/** The path of the embedded relay on the server's own origin. */
export const RELAY_PATH = '/nostr';

/**
 * The relay clients connect to, exactly as they must name it in their NIP-42 AUTH event:
 * NOSTR_RELAY_URL when an external relay is configured, otherwise PUBLIC_URL with a ws(s)
 * scheme and the /nostr path.
 */
export const relayUrl = (config: Pick<Config, 'NOSTR_RELAY_URL' | 'PUBLIC_URL'>): string =>
  config.NOSTR_RELAY_URL ?? `${config.PUBLIC_URL.replace(/^http/, 'ws')}${RELAY_PATH}`;
