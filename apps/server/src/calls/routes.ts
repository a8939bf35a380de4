import type { ReaderWrap } from '@llamenos/crypto';
import {
  type ActiveCallsResponse,
  BanCallBody,
  BanHashParam,
  CallHistoryQuery,
  type CallHistoryResponse,
  CallIdParam,
  CreateBansBody,
  hasPermission,
  type SealedEnvelopeView,
  type VoicemailView,
} from '@llamenos/protocol';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { appendAudit, appendAuditInTx } from '../audit/service.js';
import { blobStore } from '../blobs/store.js';
import type { AppEnv, ServerContext } from '../http/context.js';
import { badRequest, conflict, forbidden, notFound, unauthenticated } from '../http/errors.js';
import { requires } from '../http/guard.js';
import { readJson, readParams, readQuery } from '../http/validate.js';
import { claimCall } from './answer.js';
import { addBans, type BanActor, listBans, removeBan, upsertBan } from './bans.js';
import { connectBrowser } from './browser.js';
import { finishCall } from './end.js';
import { callFromRow, callView, findCall } from './store.js';
import { connectsBrowsers } from './telephony.js';

/**
 * The app's side of calls: answering in the browser, hanging up, banning, the active and
 * history lists, voicemails (the caller's wrap of the file key, and the encrypted file) and the
 * ban list.
 */

const NoQuery = z.object({}).strict();

function userOf(c: Context<AppEnv>) {
  const user = c.get('auth').user;
  if (!user) throw unauthenticated();
  return user;
}

const actorOf = (c: Context<AppEnv>): BanActor => {
  const auth = c.get('auth');
  return { userId: userOf(c).id, pubkey: auth.pubkey, ipHash: auth.ipHash };
};

/** An optional JSON body: none (or an empty one) reads as `{}`. */
async function optionalJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.infer<S>> {
  const length = Number(c.req.header('content-length') ?? '0');
  if (!c.req.header('content-type') && !length) return schema.parse({});
  return readJson(c, schema);
}

export function callRoutes(ctx: ServerContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  /** The call's voicemail row; 404 when there is none (or only one stored before blobs). */
  const storedVoicemail = async (callId: string) => {
    const [row] = await ctx.db.query('select * from voicemails where call_id = $1', [callId]);
    if (!row?.blob_id) throw notFound('no voicemail for this call');
    return row;
  };

  app.get('/calls/active', requires('calls:read'), async (c) => {
    readQuery(c, NoQuery);
    const user = userOf(c);
    const all = hasPermission(user.permissions, 'calls:read-all');
    const ringing = await ctx.db.query(
      `select c.* from calls c where c.status in ('queued', 'ringing')
         and ($2 or exists (select 1 from call_legs l where l.call_id = c.id and l.user_id = $1
                            and l.status in ('pending', 'queued', 'ringing', 'in-progress')))
       order by c.created_at limit 100`,
      [user.id, all],
    );
    const [mine] = await ctx.db.query(
      `select * from calls where status = 'answered' and answered_by = $1 and ended_at is null order by answered_at desc limit 1`,
      [user.id],
    );
    const body: ActiveCallsResponse = {
      ringing: ringing.map((r) => callView(callFromRow(r))),
      mine: mine ? callView(callFromRow(mine)) : null,
    };
    return c.json(body);
  });

  app.get('/calls', requires('calls:read-all'), async (c) => {
    const q = readQuery(c, CallHistoryQuery);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.status) add('c.status = ?', q.status);
    if (q.since) add('c.created_at >= ?', new Date(q.since));
    if (q.until) add('c.created_at < ?', new Date(q.until));
    if (q.answeredBy) add('c.answered_by = ?', q.answeredBy);
    const filter = where.length ? `where ${where.join(' and ')}` : '';
    const [{ total }] = (await ctx.db.query<{ total: number }>(
      `select count(*)::int as total from calls c ${filter}`,
      params,
    )) as [{ total: number }];
    const rows = await ctx.db.query(
      `select c.*, (v.call_id is not null) as has_voicemail from calls c left join voicemails v on v.call_id = c.id
        ${filter} order by c.created_at desc, c.id limit ${q.limit} offset ${q.offset}`,
      params,
    );
    const body: CallHistoryResponse = {
      calls: rows.map((r) => ({
        ...callView(callFromRow(r), Boolean(r.has_voicemail)),
        // Sealed for calls:read-all holders (call-meta.ts); the browser opens who answered.
        metaEnvelope: (r.meta_envelope as SealedEnvelopeView | null) ?? null,
      })),
      total: Number(total),
    };
    return c.json(body);
  });

  app.get('/calls/:id/voicemail', requires('calls:read-all'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const row = await storedVoicemail(id);
    const pubkey = c.get('auth').pubkey;
    const mine = (row.wraps as ReaderWrap[]).find((w) => w.reader === pubkey);
    if (!mine) throw forbidden('this voicemail was not sealed for your key');
    const body: VoicemailView = {
      callId: id,
      contentType: row.content_type as string,
      size: Number(row.size),
      wrap: mine.wrap,
      durationSeconds: Number(row.duration),
      createdAt: new Date(row.created_at as string).toISOString(),
    };
    return c.json(body);
  });

  // The encrypted recording, streamed from the attachment store as it is stored.
  app.get('/calls/:id/voicemail/audio', requires('calls:read-all'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const row = await storedVoicemail(id);
    const blob = await blobStore(ctx).read(row.blob_id as string);
    if (!blob) throw notFound('the voicemail file is missing');
    const auth = c.get('auth');
    await appendAudit(
      ctx.db,
      {
        action: 'calls.voicemail-played',
        actorPubkey: auth.pubkey,
        target: `call:${id}`,
        details: { callId: id },
        ipHash: auth.ipHash,
      },
      ctx.now(),
    );
    return c.body(blob.stream, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(blob.size),
      'cache-control': 'no-store',
    });
  });

  // Answering in the browser: the same compare-and-set as pressing 1 on a phone.
  app.post('/calls/:id/answer', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const user = userOf(c);
    const call = await findCall(ctx.db, id);
    if (!call) throw notFound('no such call');
    if (!connectsBrowsers(call.provider))
      throw conflict('this provider cannot connect a browser; answer the call on your phone');
    const [leg] = await ctx.db.query<{ id: string }>(
      // Any browser leg of theirs, live or not: one closed a moment ago by a faster volunteer
      // must read as "someone else took it" (409), which the compare-and-set below decides.
      `select id from call_legs where call_id = $1 and user_id = $2 and kind = 'browser' limit 1`,
      [id, user.id],
    );
    if (!leg && !hasPermission(user.permissions, 'calls:read-all'))
      throw forbidden('this call is not ringing for you');
    const [busy] = await ctx.db.query(
      `select 1 from calls where answered_by = $1 and status = 'answered' and ended_at is null limit 1`,
      [user.id],
    );
    if (busy) throw conflict('you are already on a call; end it first');
    const result = await claimCall(ctx, id, user.id, leg?.id ?? null, 'browser');
    if (result.outcome === 'lost')
      throw conflict(
        result.call?.status === 'answered'
          ? 'another volunteer took this call'
          : 'this call is no longer waiting',
      );
    if (result.outcome === 'won') await connectBrowser(ctx, result.call, user.id);
    return c.json({ call: callView(result.call) });
  });

  app.post('/calls/:id/hangup', requires('calls:answer'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const user = userOf(c);
    const call = await findCall(ctx.db, id);
    if (!call) throw notFound('no such call');
    // Checked first: an ended call's answered_by is cleared (sealed), so "not yours" would mislead.
    if (call.endedAt) throw conflict('this call has already ended');
    const mine = call.answeredBy === user.id;
    if (!mine && !hasPermission(user.permissions, 'calls:read-all'))
      throw forbidden('only the volunteer on the call (or a supervisor) can end it');
    const ended = await finishCall(ctx, id, { reason: 'app-hangup', by: user.id, hangUpCaller: true });
    if (!ended) throw conflict('this call has already ended');
    return c.json({ call: callView(ended) });
  });

  app.post('/calls/:id/ban', requires('calls:ban'), async (c) => {
    const { id } = readParams(c, CallIdParam);
    const body = await optionalJson(c, BanCallBody);
    const actor = actorOf(c);
    const call = await findCall(ctx.db, id);
    if (!call) throw notFound('no such call');
    if (!call.callerHash)
      throw badRequest(
        call.endedAt
          ? 'this call has ended and its caller hash is sealed; add the number to the ban list instead'
          : 'the caller withheld their number; there is nothing to ban',
      );
    const now = ctx.now();
    await ctx.db.transaction(async (tx) => {
      await upsertBan(
        tx,
        {
          callerHash: call.callerHash!,
          callerLast4: call.callerLast4,
          reason: body.reason,
          createdBy: actor.userId,
          expiresAt: null,
        },
        now,
      );
      await appendAuditInTx(
        tx,
        {
          action: 'calls.banned',
          actorPubkey: actor.pubkey,
          target: `call:${id}`,
          details: { callId: id, source: 'call', callerLast4: call.callerLast4 ?? 'unknown' },
          ipHash: actor.ipHash,
        },
        now,
      );
    });
    const ended = await finishCall(ctx, id, { reason: 'ban', by: actor.userId, hangUpCaller: true });
    return c.json({ banned: true, call: callView(ended ?? call) });
  });

  app.get('/bans', requires('bans:read'), async (c) => {
    readQuery(c, NoQuery);
    return c.json({ bans: await listBans(ctx.db) });
  });

  app.post('/bans', requires('bans:write'), async (c) => {
    const body = await readJson(c, CreateBansBody);
    return c.json(await addBans(ctx, actorOf(c), body), 201);
  });

  app.delete('/bans/:hash', requires('bans:write'), async (c) => {
    const { hash } = readParams(c, BanHashParam);
    await removeBan(ctx, actorOf(c), hash);
    return c.body(null, 204);
  });

  return app;
}
