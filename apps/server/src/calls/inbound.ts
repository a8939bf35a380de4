import { randomInt, randomUUID } from 'node:crypto';
import { hashPhone, phoneLast4 } from '@llamenos/crypto';
import type { HotlineSettings } from '@llamenos/protocol';
import { appendAuditInTx } from '../audit/service.js';
import { oneRow, type Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { rateLimitUpsert } from '../rate-limit/service.js';
import { cachedProviderOfNumber } from '../settings/cache.js';
import type { InboundCallEvent, Instruction } from '../telephony/provider.js';
import { sealEndedCall } from './call-meta.js';
import {
  callerDocument,
  hangupWith,
  languageMenu,
  languageMenuPage,
  MORE_LANGUAGES_DIGIT,
} from './documents.js';
import { requeue } from './ringing.js';
import {
  type CallRow,
  type CallsTable,
  callFromRow,
  claimReceipt,
  findCall,
  findCallByProviderId,
} from './store.js';
import { callSettings, inBackground } from './wiring.js';

/**
 * An incoming call, from the verified webhook to the first document the caller hears.
 * Order matters: the row is written first (lesson 2), then the ban list and the per-caller
 * rate limit are checked before the call is answered with anything but a rejection.
 */

const CAPTCHA_LENGTH = 4;

const rateLimitKey = (callerHash: string) => `calls:caller:${callerHash}`;

/** Where a call goes once it is past the menu and the CAPTCHA (or straight away). */
function afterMenu(settings: HotlineSettings): 'captcha' | 'queued' {
  return settings.spam.voiceCaptcha ? 'captcha' : 'queued';
}

const captchaDigits = () => Array.from({ length: CAPTCHA_LENGTH }, () => randomInt(10)).join('');

const queueDeadline = (now: Date, settings: HotlineSettings) =>
  new Date(now.getTime() + settings.calls.queueTimeoutSeconds * 1000);

/** Moves a call into `next` ('captcha' or 'queued'), setting what that state needs. */
async function enterState(
  tx: Queryable,
  callId: string,
  from: readonly string[],
  next: 'captcha' | 'queued',
  settings: HotlineSettings,
  now: Date,
  extra: { language?: string } = {},
): Promise<CallRow | null> {
  return oneRow(
    tx,
    `update calls set status = $3, language = coalesce($4, language),
        captcha_digits = case when $3 = 'captcha' then $5 else null end, captcha_input = '',
        queue_deadline = case when $3 = 'queued' then $6::timestamptz else null end, updated_at = $7
      where id = $1 and status = any($2::text[]) returning *`,
    [callId, from, next, extra.language ?? null, captchaDigits(), queueDeadline(now, settings), now],
    callFromRow,
  );
}

/** Ends a call before it rang: ban, rate limit, CAPTCHA. Audited with the reason, never the number. */
async function rejectCall(
  tx: Queryable,
  call: CallRow,
  reason: 'banned' | 'rate-limited' | 'captcha',
  now: Date,
  details: Record<string, string | number> = {},
): Promise<CallRow> {
  const [row] = await tx.query<CallsTable>(
    `update calls set status = 'rejected', reject_reason = $2, ended_at = $3, updated_at = $3,
        captcha_digits = null, captcha_input = '', queue_deadline = null where id = $1 returning *`,
    [call.id, reason, now],
  );
  await appendAuditInTx(
    tx,
    {
      action: 'calls.rejected',
      target: `call:${call.id}`,
      details: { callId: call.id, reason, callerLast4: call.callerLast4 ?? 'withheld', ...details },
    },
    now,
  );
  return callFromRow(row!);
}

interface InboundResult {
  instructions: Instruction[];
  callId: string | null;
}

/** A call to a number this provider does not hold: audited and logged once per provider call. */
async function recordUnknownNumber(
  ctx: ServerContext,
  provider: string,
  event: InboundCallEvent,
  now: Date,
): Promise<void> {
  if (!(await claimReceipt(ctx.db, provider, `unknown-number:${event.providerCallId}`, now))) return;
  await ctx.db.transaction((tx) =>
    appendAuditInTx(
      tx,
      {
        action: 'calls.rejected',
        target: `number:${event.to.slice(-4)}`,
        details: { reason: 'unknown-number', provider, calledLast4: event.to.slice(-4) },
      },
      now,
    ),
  );
  ctx.log.warn({ provider, calledLast4: event.to.slice(-4) }, 'call to a number the hotline does not hold');
}

export async function handleInboundCall(
  ctx: ServerContext,
  provider: string,
  event: InboundCallEvent,
): Promise<InboundResult> {
  const now = ctx.now();
  // The called number decides the hotline and its provider; a number this provider does not
  // hold is refused, whatever the URL said.
  const owner = await cachedProviderOfNumber(ctx, event.to);
  if (owner !== provider) {
    await recordUnknownNumber(ctx, provider, event, now);
    return { instructions: hangupWith('en', 'notInService'), callId: null };
  }

  const settings = await callSettings(ctx);
  const callerHash = event.from ? hashPhone(ctx.keys.hashKey, event.from) : null;
  const callerLast4 = event.from ? phoneLast4(event.from) : null;
  const language = settings.languages[0] ?? 'en';

  // Without the language menu the call starts past it (at the CAPTCHA, or queued): the ban and the
  // rate limit below are judged in the same transaction, so no one sees it there before them.
  const menu = settings.calls.ivrLanguageMenu && settings.languages.length > 1;
  const first = menu ? 'arriving' : afterMenu(settings);
  // The caller hears nothing until this commits: on PGlite it goes before the webhooks' and the
  // timers' statements waiting for their turn (urgent), so a loaded process still answers fast.
  const { call, fresh } = await ctx.db.transaction(
    async (tx) => {
      // The row in its first state, whether its caller is banned (as store/bans.ts isBanned reads
      // it) and, for a new row of a caller not banned, the attempt counted against the caller's
      // rate limit (rate-limit/service.ts hitRateLimit's upsert): one statement.
      const [inserted] = await tx.query<
        CallsTable & { banned: boolean; blocked_until: Date | string | null }
      >(
        `with inserted as (
         insert into calls (id, provider, provider_call_id, hotline_number, caller_hash, caller_last4, status, language,
            captcha_digits, queue_deadline, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $9, $7,
            case when $9 = 'captcha' then $10 end, case when $9 = 'queued' then $11::timestamptz end, $8, $8)
         on conflict (provider, provider_call_id) do nothing
         returning *, exists (select 1 from call_bans b where b.caller_hash = $5 and (b.expires_at is null or b.expires_at > $8)) as banned),
       limited as (
         ${rateLimitUpsert(
           {
             key: '$12::text',
             now: '$8::timestamptz',
             window: '$13::int',
             limit: '$14::int',
             block: '$15::int',
           },
           `select $12::text, $8::timestamptz, 1, null::timestamptz, $13::int from inserted
             where $12::text is not null and not inserted.banned`,
         )}
         returning blocked_until)
       select inserted.*, (select blocked_until from limited) as blocked_until from inserted`,
        [
          randomUUID(),
          provider,
          event.providerCallId,
          event.to,
          callerHash,
          callerLast4,
          language,
          now,
          first,
          captchaDigits(),
          queueDeadline(now, settings),
          callerHash ? rateLimitKey(callerHash) : null,
          3600,
          settings.spam.callsPerCallerPerHour,
          settings.spam.blockMinutes * 60,
        ],
      );
      if (!inserted) {
        // A retried webhook: the call exists; answer with its current document, change nothing.
        const existing = await findCallByProviderId(tx, provider, event.providerCallId);
        return { call: existing!, fresh: false };
      }
      const call = callFromRow(inserted);
      if (inserted.banned) return { call: await rejectCall(tx, call, 'banned', now), fresh: true };
      const blockedUntil = inserted.blocked_until ? new Date(inserted.blocked_until) : null;
      if (blockedUntil && blockedUntil > now)
        return {
          call: await rejectCall(tx, call, 'rate-limited', now, {
            retryAfterSeconds: Math.max(1, Math.ceil((blockedUntil.getTime() - now.getTime()) / 1000)),
          }),
          fresh: true,
        };
      return { call, fresh: true };
    },
    { urgent: true },
  );

  if (fresh && call.status === 'queued') requeue(ctx);
  if (fresh && call.status === 'rejected') inBackground(ctx, 'seal', () => sealEndedCall(ctx, call.id));
  return { instructions: callerDocument(ctx, call, settings), callId: call.id };
}

/**
 * The caller chose a language on a page of the menu (or let it time out: the first language),
 * or pressed 9 for the next page, which changes nothing but what is read out.
 */
export async function handleLanguageChoice(
  ctx: ServerContext,
  callId: string,
  digits: string,
  page = 0,
): Promise<Instruction[]> {
  const now = ctx.now();
  const settings = await callSettings(ctx);
  const menu = languageMenuPage(settings.languages, page);
  if (digits === MORE_LANGUAGES_DIGIT && menu.later.length > 0) {
    const call = await findCall(ctx.db, callId);
    if (call?.status === 'arriving') return languageMenu(ctx, call, settings, page + 1);
  }
  const key = /^[1-9]$/.test(digits) ? Number(digits) : 0;
  const index = key >= 1 && key <= menu.choices.length ? menu.first + key - 1 : 0;
  const language = settings.languages[index] ?? settings.languages[0] ?? 'en';
  const moved = await ctx.db.transaction((tx) =>
    enterState(tx, callId, ['arriving'], afterMenu(settings), settings, now, { language }),
  );
  if (moved?.status === 'queued') requeue(ctx);
  const call = moved ?? (await findCall(ctx.db, callId));
  return call ? callerDocument(ctx, call, settings) : [{ kind: 'hangup' }];
}

/**
 * One typed CAPTCHA digit. The expected digits live only in the row and are erased once
 * judged; an empty entry (the gather timed out) fails, as a robot that cannot hear would.
 */
export async function handleCaptchaDigit(
  ctx: ServerContext,
  callId: string,
  step: number,
  digits: string,
): Promise<Instruction[]> {
  const now = ctx.now();
  const settings = await callSettings(ctx);
  const result = await ctx.db.transaction(async (tx) => {
    const call = await findCall(tx, callId, true);
    if (!call) return null;
    // A retried webhook for a step already taken, or a call no longer at the CAPTCHA.
    if (call.status !== 'captcha' || call.captchaInput.length !== step) return { call, queued: false };
    const typed = call.captchaInput + digits.slice(0, 1);
    const expected = call.captchaDigits ?? '';
    if (digits.length === 0 || !expected.startsWith(typed))
      return { call: await rejectCall(tx, call, 'captcha', now), queued: false };
    if (typed.length < expected.length) {
      await tx.query('update calls set captcha_input = $2, updated_at = $3 where id = $1', [
        callId,
        typed,
        now,
      ]);
      return { call: { ...call, captchaInput: typed }, queued: false };
    }
    const queued = await enterState(tx, callId, ['captcha'], 'queued', settings, now);
    return { call: queued ?? call, queued: queued !== null };
  });
  if (!result) return [{ kind: 'hangup' }];
  if (result.call.status === 'rejected') {
    inBackground(ctx, 'seal', () => sealEndedCall(ctx, callId));
    return hangupWith(result.call.language, 'captchaFailed');
  }
  if (result.queued) requeue(ctx);
  return callerDocument(ctx, result.call, settings);
}
