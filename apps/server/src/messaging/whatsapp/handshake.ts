import { constantTimeEqualText } from '@llamenos/crypto';
import { notFound } from '../../domain/errors.js';
import type { ServerContext } from '../../http/context.js';
import { loadChannelConfig } from '../config-service.js';

/** Meta's challenge is a number; anything long or odd is not echoed back into a response. */
const CHALLENGE = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Meta's webhook verification: a GET with hub.mode=subscribe, the verify token the operator
 * chose, and a challenge to echo. Returns the challenge when the token is ours (compared in
 * constant time), null otherwise; a hotline without the channel has no such URL (404).
 */
export async function metaHandshake(ctx: ServerContext, query: URLSearchParams): Promise<string | null> {
  const config = await loadChannelConfig(ctx, 'whatsapp');
  if (!config) throw notFound('whatsapp is not configured');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (query.get('hub.mode') !== 'subscribe' || !token || !challenge || !CHALLENGE.test(challenge))
    return null;
  return constantTimeEqualText(token, config.verifyToken) ? challenge : null;
}
