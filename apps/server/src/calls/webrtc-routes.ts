import {
  CallHoldBody,
  type CallHoldResponse,
  CallIdParam,
  CallTransferBody,
  type CallTransferTargetsResponse,
  WebrtcAnswerBody,
  type WebrtcOfferResponse,
} from '@llamenos/protocol';
import { Hono } from 'hono';
import type { z } from 'zod';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { readJson, readParams } from '../http/validate.js';
import { callTransferTargets, transferCall } from './transfer.js';
import { answerCallerWith, callerOfferFor, holdCall } from './webrtc-signalling.js';

/**
 * The volunteer's side of browser audio: fetch the caller's offer, send the answer, hold and
 * resume, transfer. All need calls:answer and are for the volunteer who won the call only (webrtc-signalling.ts).
 */
export function webrtcRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/calls/:id/webrtc/offer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json((await callerOfferFor(ctx, memberOf(c), id)) satisfies z.input<typeof WebrtcOfferResponse>);
  });

  app.post('/calls/:id/webrtc/answer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { sdp } = await readJson(c, WebrtcAnswerBody);
    await answerCallerWith(ctx, memberOf(c), id, sdp);
    return c.body(null, 204);
  });

  // Hold and resume on the active-call card (webrtc-signalling.ts, holdCall).
  app.post('/calls/:id/hold', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { onHold } = await readJson(c, CallHoldBody);
    return c.json((await holdCall(ctx, memberOf(c), id, onHold)) satisfies z.input<typeof CallHoldResponse>);
  });

  // Cold transfer to another member on shift who answers in the browser (transfer.ts).
  app.get('/calls/:id/transfer-targets', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const targets = await callTransferTargets(ctx, memberOf(c), id);
    return c.json(targets satisfies z.input<typeof CallTransferTargetsResponse>);
  });

  app.post('/calls/:id/transfer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { to } = await readJson(c, CallTransferBody);
    await transferCall(ctx, memberOf(c), id, to);
    return c.body(null, 204);
  });

  return app;
}
