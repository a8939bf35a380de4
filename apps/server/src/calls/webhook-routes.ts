import { type TelephonyProvider, TelephonyProviderName } from '@llamenos/protocol';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { forbidden, invalid, notFound } from '../domain/errors.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { ApiError } from '../http/errors.js';
import { isPublic } from '../http/guard.js';
import { UnreadableCredentialsError } from '../settings/service.js';
import { TelephonyNotConfiguredError } from '../telephony/errors.js';
import {
  type Instruction,
  WebhookPayloadError,
  type WebhookRequest,
  type WebhookTelephony,
} from '../telephony/provider.js';
import { readWebhookRequest } from '../telephony/webhook-request.js';
import { conferenceJoinDocument } from './conference-join.js';
import { answerDocument, hangupWith, type LegStep, screenDocument, waitDocument } from './documents.js';
import { callerStatusChanged, legStatusChanged } from './end.js';
import { handleCaptchaDigit, handleInboundCall, handleLanguageChoice } from './inbound.js';
import { type CallRow, findCall } from './store.js';
import { storeVoicemail, voicemailPrompt } from './voicemail.js';
import { callSettings, errorInfo, inBackground, webhookAdapter } from './wiring.js';

/**
 * Provider webhooks: POST /api/telephony/:provider/<step>. Public routes that carry their own
 * check: the adapter verifies the provider's signature over PUBLIC_URL + path + query and the
 * body FIRST, before anything is read or stored; a bad or missing signature is 403. A provider
 * with no credentials stored has no webhooks (404): there is no secret to check against, and we
 * fail closed. Malformed payloads are 400, never 500.
 */

interface Webhook {
  provider: TelephonyProvider;
  adapter: WebhookTelephony;
  request: WebhookRequest;
  query: URLSearchParams;
}

type Handler = (w: Webhook) => Promise<Instruction[] | 'ack'>;

const Uuid = z.uuid();

function id(query: URLSearchParams, name: string): string {
  const parsed = Uuid.safeParse(query.get(name));
  if (!parsed.success) throw invalid(`${name} is missing or malformed`);
  return parsed.data;
}

async function open(ctx: ServerContext, c: Context<AppEnv>): Promise<Webhook> {
  const name = TelephonyProviderName.safeParse(c.req.param('provider'));
  if (!name.success) throw notFound('no such provider');
  let adapter: WebhookTelephony;
  try {
    adapter = await webhookAdapter(ctx, name.data);
  } catch (error) {
    if (error instanceof TelephonyNotConfiguredError) throw notFound(`${name.data} is not configured`);
    if (error instanceof UnreadableCredentialsError) {
      ctx.log.error({ provider: name.data }, 'webhook for a provider whose credentials cannot be read');
      throw new ApiError(503, 'internal', 'provider credentials are unreadable');
    }
    throw error;
  }
  const request = await readWebhookRequest(c, ctx.config.PUBLIC_URL);
  if (!adapter.verifyWebhook(request)) {
    ctx.log.warn(
      { provider: name.data, path: new URL(request.publicUrl).pathname },
      'webhook signature refused',
    );
    throw forbidden('webhook signature is not valid');
  }
  return { provider: name.data, adapter, request, query: new URL(request.publicUrl).searchParams };
}

/** The call named in the URL, if it belongs to this provider and `providerCallId` (when given) is its caller leg. */
async function callOf(ctx: ServerContext, w: Webhook, providerCallId?: string): Promise<CallRow | null> {
  const call = await findCall(ctx.db, id(w.query, 'call'));
  if (!call || call.provider !== w.provider) return null;
  if (providerCallId !== undefined && call.providerCallId !== providerCallId) return null;
  return call;
}

/** A volunteer leg's step: the call and leg named in the URL we issued, and the provider's leg id. */
const legStep = (w: Webhook, providerLegId: string): LegStep => ({
  callId: id(w.query, 'call'),
  legId: id(w.query, 'leg'),
  providerLegId,
});

/** Provider webhooks, one POST route per step of a call, all answered the same way. */
export function webhookRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const steps: Record<string, Handler> = { ...callerSteps(ctx), ...legSteps(ctx), ...voicemailSteps(ctx) };
  for (const [step, handle] of Object.entries(steps))
    app.post(`/telephony/:provider/${step}`, isPublic(), (c) => answerWebhook(ctx, c, handle));
  return app;
}

/** Verifies and reads the webhook, runs its step, and renders the step's answer in the provider's dialect. */
async function answerWebhook(ctx: ServerContext, c: Context<AppEnv>, handle: Handler): Promise<Response> {
  const w = await open(ctx, c);
  let result: Instruction[] | 'ack';
  try {
    result = await handle(w);
  } catch (error) {
    if (error instanceof WebhookPayloadError) throw invalid(error.message);
    throw error;
  }
  const doc = result === 'ack' ? w.adapter.acknowledge() : w.adapter.render(result);
  // A 204 (Vonage's acknowledgement) must have no body at all: the Fetch Response refuses even "".
  if (doc.status === 204) return c.body(null, 204);
  return c.body(doc.body, doc.status as 200, { 'content-type': doc.contentType });
}

/** The caller's leg: arrival, its status, the language menu, the captcha and the wait loop. */
function callerSteps(ctx: ServerContext): Record<string, Handler> {
  return {
    inbound: async (w) => {
      const event = w.adapter.parseInboundCall(w.request);
      return (await handleInboundCall(ctx, w.provider, event)).instructions;
    },

    status: async (w) => {
      const event = w.adapter.parseLegStatus(w.request);
      if (event) await callerStatusChanged(ctx, w.provider, event);
      return 'ack';
    },

    language: async (w) => {
      const { legId, digits } = w.adapter.parseDigits(w.request);
      // The menu's page (documents.ts languageMenuPage): absent on the first; 20 languages make 3.
      const page = Number(w.query.get('page') ?? 0);
      if (!Number.isInteger(page) || page < 0 || page > 2) throw invalid('page is malformed');
      const call = await callOf(ctx, w, legId);
      if (!call) return [{ kind: 'hangup' }];
      return handleLanguageChoice(ctx, call.id, digits, page);
    },

    captcha: async (w) => {
      const { legId, digits } = w.adapter.parseDigits(w.request);
      const step = Number(w.query.get('step'));
      if (!Number.isInteger(step) || step < 0 || step > 8) throw invalid('step is missing or malformed');
      const call = await callOf(ctx, w, legId);
      if (!call) return [{ kind: 'hangup' }];
      return handleCaptchaDigit(ctx, call.id, step, digits);
    },

    wait: async (w) => {
      const { legId } = w.adapter.parseDigits(w.request);
      const call = await callOf(ctx, w, legId);
      if (!call) return [{ kind: 'hangup' }];
      return waitDocument(ctx, call, await callSettings(ctx), ctx.now());
    },
  };
}

/** A volunteer's leg: its status, the screening prompt and the key press that answers. */
function legSteps(ctx: ServerContext): Record<string, Handler> {
  return {
    'leg-status': async (w) => {
      const event = w.adapter.parseLegStatus(w.request);
      const callId = id(w.query, 'call');
      const legId = id(w.query, 'leg');
      if (event) await legStatusChanged(ctx, callId, legId, event);
      return 'ack';
    },

    screen: async (w) => {
      const { legId } = w.adapter.parseDigits(w.request);
      return screenDocument(ctx, w.provider, legStep(w, legId));
    },

    answer: async (w) => {
      const { legId, digits } = w.adapter.parseDigits(w.request);
      return answerDocument(ctx, legStep(w, legId), digits);
    },

    // A leg moved within a connected call (Plivo: the held caller, a colleague, a listener).
    join: async (w) =>
      conferenceJoinDocument(
        ctx,
        w.provider,
        id(w.query, 'call'),
        w.query,
        w.adapter.parseDigits(w.request).legId,
      ),
  };
}

/** Voicemail: the prompt, the end of the recording and the provider's recording callback. */
function voicemailSteps(ctx: ServerContext): Record<string, Handler> {
  return {
    voicemail: async (w) => {
      const { legId } = w.adapter.parseDigits(w.request);
      const call = await callOf(ctx, w, legId);
      if (!call) return [{ kind: 'hangup' }];
      return voicemailPrompt(ctx, call);
    },

    // The <Record> action: the caller finished. The recording is stored in the background so the
    // caller hears "thank you" at once; the status callback below stores it too (idempotently).
    'voicemail-done': async (w) => {
      const event = w.adapter.parseRecording(w.request);
      const call = await callOf(ctx, w);
      if (event && call) inBackground(ctx, 'voicemail', () => storeVoicemail(ctx, w.adapter, call.id, event));
      return hangupWith(call?.language ?? 'en', 'thanks');
    },

    recording: async (w) => {
      const event = w.adapter.parseRecording(w.request);
      const call = await callOf(ctx, w);
      if (!event || !call) return 'ack';
      try {
        await storeVoicemail(ctx, w.adapter, call.id, event);
      } catch (error) {
        ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'voicemail not stored');
        throw new ApiError(502, 'internal', 'recording could not be fetched; retry');
      }
      return 'ack';
    },
  };
}
