import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { DomainError, forbidden, invalid, notFound } from '../domain/errors.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { ApiError } from '../http/errors.js';
import { isPublic } from '../http/guard.js';
import { readWebhookRequest } from '../telephony/webhook-request.js';
import {
  CHANNEL_IDS,
  type ChannelId,
  ChannelInputError,
  type InboundParse,
  type MessagingChannel,
} from './channel.js';
import { UnreadableChannelConfigError } from './config-service.js';
import { ChannelNotConfiguredError, createChannelWithAddresses } from './registry.js';
import { metaHandshake } from './whatsapp/handshake.js';

/**
 * Provider webhooks for messaging: POST /api/messaging/<channel>/inbound and /status (what the
 * operator pastes into the provider's console), and Meta's GET handshake on /inbound. Public
 * routes that carry their own check, as the telephony webhooks do:
 * - a channel with nothing stored has no webhooks (404): there is no secret to check against;
 * - the adapter verifies the provider's signature over PUBLIC_URL + path + query and the raw
 *   body FIRST; a missing or wrong one is 403 and nothing is read further, nothing stored;
 * - a malformed payload is 400, never 500;
 * - every message must be addressed to one of the hotline's addresses on that channel (the
 *   number or account that received it decides the hotline): otherwise 404, nothing stored.
 * The provider's message id goes to the conversations module unchanged: a provider retrying a
 * delivery sends the same id, and the module stores it once.
 */
const ChannelName = z.enum(CHANNEL_IDS);

function channelOf(c: Context<AppEnv>): ChannelId {
  const parsed = ChannelName.safeParse(c.req.param('channel'));
  if (!parsed.success) throw notFound('no such messaging channel');
  return parsed.data;
}

/** The channel's adapter and its addresses, from one read of its stored configuration. */
async function adapterOf(
  ctx: ServerContext,
  channel: ChannelId,
): Promise<{ adapter: MessagingChannel; addresses: readonly string[] }> {
  try {
    return await createChannelWithAddresses(ctx, channel);
  } catch (error) {
    if (error instanceof ChannelNotConfiguredError) throw notFound(`${channel} is not configured`);
    if (error instanceof UnreadableChannelConfigError) {
      ctx.log.error({ channel }, 'webhook for a channel whose configuration cannot be read');
      throw new ApiError(503, 'internal', 'channel configuration is unreadable');
    }
    throw error;
  }
}

/** Refuses the whole delivery if any message is for an address the hotline does not hold. */
function requireOwnAddresses(
  ctx: ServerContext,
  channel: ChannelId,
  held: readonly string[],
  parsed: InboundParse,
): void {
  if (parsed.kind !== 'messages') return;
  const addresses = new Set(held);
  if (parsed.messages.some((m) => !addresses.has(m.to))) {
    ctx.log.warn({ channel }, 'message for an address this hotline does not hold refused');
    throw notFound('the receiving number is not one of this hotline');
  }
}

/** Hands what a verified delivery carried to the conversations module, in order. */
export async function ingestParsed(
  ctx: ServerContext,
  adapter: MessagingChannel,
  parsed: InboundParse,
): Promise<void> {
  if (parsed.kind === 'ignored') return;
  const ingest = ctx.messaging.ingest;
  if (!ingest) throw new DomainError('unavailable', 'messages cannot be taken yet; retry later');
  try {
    if (parsed.kind === 'messages')
      for (const message of parsed.messages) await ingest.receive(adapter, message);
    for (const update of parsed.updates ?? []) await ingest.applyStatus(adapter.id, update);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    // The conversations module's own limits (text length, attachment count): a retry would not pass.
    if (error instanceof ChannelInputError) throw invalid(error.message);
    ctx.log.error({ channel: adapter.id, err: { name: (error as Error)?.name } }, 'message not taken');
    // The provider retries a delivery we did not take; it carries the same message id.
    throw new DomainError('unavailable', 'the message could not be stored; retry later');
  }
}

async function answerWebhook(ctx: ServerContext, c: Context<AppEnv>): Promise<Response> {
  const channel = channelOf(c);
  const { adapter, addresses } = await adapterOf(ctx, channel);
  const request = await readWebhookRequest(c, ctx.config.PUBLIC_URL);
  if (!(await adapter.verify(request))) {
    ctx.log.warn(
      { channel, path: new URL(request.publicUrl).pathname },
      'messaging webhook signature refused',
    );
    throw forbidden('webhook signature is not valid');
  }
  let parsed: InboundParse;
  try {
    parsed = adapter.parse(request);
  } catch (error) {
    if (error instanceof ChannelInputError) throw invalid(error.message);
    throw error;
  }
  requireOwnAddresses(ctx, channel, addresses, parsed);
  await ingestParsed(ctx, adapter, parsed);
  const answer = adapter.answer();
  if (answer.status === 204) return c.body(null, 204);
  return c.body(answer.body, answer.status as 200, { 'content-type': answer.contentType });
}

export function messagingWebhookRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/messaging/:channel/inbound', isPublic(), (c) => answerWebhook(ctx, c));
  app.post('/messaging/:channel/status', isPublic(), (c) => answerWebhook(ctx, c));
  // Meta checks the URL before it sends anything: it echoes hub.challenge if hub.verify_token is ours.
  app.get('/messaging/:channel/inbound', isPublic(), async (c) => {
    if (channelOf(c) !== 'whatsapp') throw notFound('only WhatsApp Cloud API webhooks have a handshake');
    const challenge = await metaHandshake(ctx, new URL(c.req.url).searchParams);
    if (challenge === null) throw forbidden('verify token is not valid');
    return c.text(challenge, 200);
  });
  return app;
}
