import {
  type ActiveCallsResponseSchema,
  BanCallBody,
  type BanCallResponse,
  BanHashParam,
  type BanListResponse,
  type CallDetailSchema,
  CallHistoryQuery,
  type CallHistoryResponseSchema,
  CallIdParam,
  type CallQueueBoardSchema,
  type CallResponse,
  CreateBansBody,
  type CreateBansResponseSchema,
  type VoicemailViewSchema,
} from '@llamenos/protocol';
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { actorOf, memberOf } from '../http/actor.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { requires } from '../http/guard.js';
import { routeGroups } from '../http/route-groups.js';
import { sealedFileResponse } from '../http/sealed-file.js';
import { readJson, readParams, readQuery } from '../http/validate.js';
import { addBans, removeBan } from './bans.js';
import { callDetail } from './call-detail.js';
import {
  activeCalls,
  answerInBrowser,
  banCaller,
  callHistory,
  hangUpFromApp,
  playVoicemail,
  queueBoard,
  voicemailFor,
} from './service.js';
import { listBans } from './store/bans.js';

/**
 * The app's side of calls: answering in the browser, hanging up, banning, the active and
 * history lists, voicemails (the caller's wrap of the file key, and the encrypted file) and the
 * ban list. Every rule lives in service.ts and bans.ts.
 */

const NoQuery = z.object({}).strict();

/**
 * What a route answers, held at compile time to the protocol schema the web client parses it
 * with (packages/protocol/src/responses): a drift is a type error here, at no cost per request.
 */
type Answer<S extends z.ZodType> = z.input<S>;

/** An optional JSON body: none (or an empty one) reads as `{}`. */
async function optionalJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (!c.req.header('content-type') && !length) return schema.parse({});
  return readJson(c, schema);
}

export function callRoutes(ctx: ServerContext): Hono<AppEnv> {
  return routeGroups(ctx, callReadRoutes, callActionRoutes, banListRoutes);
}

/** The lists, one call's detail and its voicemail. */
function callReadRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/calls/active', requires('calls:read'), async (c) => {
    readQuery(c, NoQuery);
    return c.json((await activeCalls(ctx, memberOf(c))) satisfies Answer<typeof ActiveCallsResponseSchema>);
  });

  // The admins' live board of the call queue (read-only).
  app.get('/calls/queue', requires('calls:read-all'), async (c) => {
    readQuery(c, NoQuery);
    return c.json((await queueBoard(ctx)) satisfies Answer<typeof CallQueueBoardSchema>);
  });

  app.get('/calls', requires('calls:read-all'), async (c) => {
    const query = readQuery(c, CallHistoryQuery);
    return c.json((await callHistory(ctx, query)) satisfies Answer<typeof CallHistoryResponseSchema>);
  });

  // One call's detail page: any call for calls:read-all, else only a call the member answered
  // (call-detail.ts checks). Registered after /calls/active and /calls/queue, which it would shadow.
  app.get('/calls/:id', requires('calls:read'), async (c) => {
    readQuery(c, NoQuery);
    const { id } = readParams(c, CallIdParam);
    return c.json((await callDetail(ctx, memberOf(c), id)) satisfies Answer<typeof CallDetailSchema>);
  });

  app.get('/calls/:id/voicemail', requires('calls:read-all'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json((await voicemailFor(ctx, actorOf(c), id)) satisfies Answer<typeof VoicemailViewSchema>);
  });

  // The encrypted recording, streamed from the attachment store as it is stored.
  app.get('/calls/:id/voicemail/audio', requires('calls:read-all'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return sealedFileResponse(c, await playVoicemail(ctx, actorOf(c), id));
  });
}

/** Answering in the browser, hanging up and banning the caller of a call. */
function callActionRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.post('/calls/:id/answer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json({ call: await answerInBrowser(ctx, memberOf(c), id) } satisfies Answer<
      typeof CallResponse
    >);
  });

  app.post('/calls/:id/hangup', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    return c.json({ call: await hangUpFromApp(ctx, memberOf(c), id) } satisfies Answer<typeof CallResponse>);
  });

  app.post('/calls/:id/ban', requires('calls:ban'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const body = await optionalJson(c, BanCallBody);
    const call = await banCaller(ctx, memberOf(c), id, body.reason);
    return c.json({ banned: true, call } satisfies Answer<typeof BanCallResponse>);
  });
}

/** The ban list: read, add (numbers typed or pasted), remove. */
function banListRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  app.get('/bans', requires('bans:read'), async (c) => {
    readQuery(c, NoQuery);
    return c.json({ bans: await listBans(ctx.db) } satisfies Answer<typeof BanListResponse>);
  });

  app.post('/bans', requires('bans:write'), async (c) => {
    const body = await readJson(c, CreateBansBody);
    return c.json(
      (await addBans(ctx, memberOf(c), body)) satisfies Answer<typeof CreateBansResponseSchema>,
      201,
    );
  });

  app.delete('/bans/:hash', requires('bans:write'), async (c) => {
    const { hash } = readParams(c, BanHashParam);
    await removeBan(ctx, memberOf(c), hash);
    return c.body(null, 204);
  });
}
