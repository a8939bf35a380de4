import {
  type CallControlsResponse,
  CallHoldBody,
  type CallHoldResponse,
  CallIdParam,
  CallTransferBody,
  type CallTransferTargetsResponse,
  type Permission,
  type SupervisableCallsResponse,
  SupervisionOfferBody,
  type SupervisionRequestResponse,
  type SupervisionStatusResponse,
  WarmTransferAcceptBody,
  type WarmTransferInviteResponse,
  WarmTransferStartBody,
  type WarmTransferStatusResponse,
  WebrtcAnswerBody,
  type WebrtcOfferResponse,
} from '@llamenos/protocol';
import type { Hono } from 'hono';
import type { z } from 'zod';
import type { Member } from '../domain/actor.js';
import { memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { routeGroups } from '../http/route-groups.js';
import { readJson, readParams } from '../http/validate.js';
import { callControlsFor } from './hold-provider.js';
import {
  answerSupervision,
  startListeningAtProvider,
  startSupervision,
  stopSupervision,
  supervisableCalls,
  supervisionRequest,
  supervisionStatus,
} from './supervision.js';
import { callTransferTargets, transferCall } from './transfer.js';
import {
  acceptWarmTransfer,
  cancelWarmTransfer,
  declineWarmTransfer,
  handOverWarmTransfer,
  incomingWarmTransfer,
  startWarmTransfer,
  warmTransferStatus,
} from './warm-transfer.js';
import { answerCallerWith, callerOfferFor, holdCall } from './webrtc-signalling.js';

/**
 * The volunteer's side of browser audio: fetch the caller's offer, send the answer, hold and
 * resume, transfer. All need calls:answer and are for the volunteer who won the call only (webrtc-signalling.ts).
 */
export function webrtcRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(ctx, audioRoutes, warmTransferRoutes, supervisionRoutes);
}

/** The caller's audio, hold and cold transfer. */
function audioRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/calls/:id/webrtc/offer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json((await callerOfferFor(ctx, memberOf(c), id)) satisfies z.input<typeof WebrtcOfferResponse>);
  });

  sdpStep(app, ctx, 'calls:answer', 'webrtc/answer', WebrtcAnswerBody, answerCallerWith);

  // Hold and resume on the active-call card (webrtc-signalling.ts, holdCall).
  app.post('/calls/:id/hold', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { onHold } = await readJson(c, CallHoldBody);
    return c.json((await holdCall(ctx, memberOf(c), id, onHold)) satisfies z.input<typeof CallHoldResponse>);
  });

  // Which of hold and transfer the card offers for this call (hold-provider.ts).
  app.get('/calls/:id/controls', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json(
      (await callControlsFor(ctx, memberOf(c), id)) satisfies z.input<typeof CallControlsResponse>,
    );
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
}

/** Warm transfer: talk to the colleague first, the caller on hold (warm-transfer.ts). */
function warmTransferRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/calls/transfers/incoming', requires('calls:answer'), async (c) =>
    c.json(
      (await incomingWarmTransfer(ctx, memberOf(c))) satisfies z.input<typeof WarmTransferInviteResponse>,
    ),
  );

  app.post('/calls/:id/warm-transfer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { to, sdp } = await readJson(c, WarmTransferStartBody);
    await startWarmTransfer(ctx, memberOf(c), id, to, sdp);
    return c.body(null, 204);
  });

  app.get('/calls/:id/warm-transfer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const status = await warmTransferStatus(ctx, memberOf(c), id);
    return c.json(status satisfies z.input<typeof WarmTransferStatusResponse>);
  });

  sdpStep(app, ctx, 'calls:answer', 'warm-transfer/accept', WarmTransferAcceptBody, acceptWarmTransfer);
  callStep(app, ctx, 'calls:answer', 'warm-transfer/decline', declineWarmTransfer);
  callStep(app, ctx, 'calls:answer', 'warm-transfer/hand-over', handOverWarmTransfer);
  callStep(app, ctx, 'calls:answer', 'warm-transfer/cancel', cancelWarmTransfer);
}

/** Silent supervision (supervision.ts): the admin's side needs calls:supervise, the volunteer's calls:answer. */
function supervisionRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/calls/supervision/live', requires('calls:supervise'), async (c) =>
    c.json((await supervisableCalls(ctx, memberOf(c))) satisfies z.input<typeof SupervisableCallsResponse>),
  );

  sdpStep(app, ctx, 'calls:supervise', 'supervision', SupervisionOfferBody, startSupervision);
  // Listening through the admin's browser phone at the provider (Asterisk): no offer.
  callStep(app, ctx, 'calls:supervise', 'supervision/phone', startListeningAtProvider);

  app.get('/calls/:id/supervision', requires('calls:supervise'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const status = await supervisionStatus(ctx, memberOf(c), id);
    return c.json(status satisfies z.input<typeof SupervisionStatusResponse>);
  });

  callStep(app, ctx, 'calls:supervise', 'supervision/stop', stopSupervision);

  app.get('/calls/:id/supervision/request', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const request = await supervisionRequest(ctx, memberOf(c), id);
    return c.json(request satisfies z.input<typeof SupervisionRequestResponse>);
  });

  sdpStep(app, ctx, 'calls:answer', 'supervision/answer', SupervisionOfferBody, answerSupervision);
}

/** `POST /calls/:id/<path>`: the member's step on the call, answered 204. */
function callStep(
  app: Hono<AppEnv>,
  ctx: ServerContext,
  permission: Permission,
  path: string,
  run: (ctx: ServerContext, member: Member, callId: string) => Promise<unknown>,
): void {
  app.post(`/calls/:id/${path}`, requires(permission), async (c) => {
    const { id } = readParams(c, CallIdParam);
    await run(ctx, memberOf(c), id);
    return c.body(null, 204);
  });
}

/** `POST /calls/:id/<path> {sdp}`: the member's step carrying their browser's SDP, answered 204. */
function sdpStep(
  app: Hono<AppEnv>,
  ctx: ServerContext,
  permission: Permission,
  path: string,
  body: typeof WebrtcAnswerBody,
  run: (ctx: ServerContext, member: Member, callId: string, sdp: string) => Promise<unknown>,
): void {
  app.post(`/calls/:id/${path}`, requires(permission), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const { sdp } = await readJson(c, body);
    await run(ctx, memberOf(c), id, sdp);
    return c.body(null, 204);
  });
}
