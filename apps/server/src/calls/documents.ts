import type { HotlineSettings } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import type { Instruction, Prompt } from '../telephony/provider.js';
import { type ClaimResult, claimByLeg, claimCall } from './answer.js';
import { holdMusicFor } from './hold-music/routes.js';
import { type Announcement, queueAnnouncement } from './queue-announcement.js';
import {
  bindProviderLeg,
  type CallRow,
  findLeg,
  type LegKind,
  type LegRow,
  pickUpLeg,
  placedAtProvider,
} from './store.js';
import { VOICES, type VoiceLanguage } from './voice/index.js';

/**
 * What each leg of a call is told next, in the neutral instructions every adapter renders:
 * the words the hotline says, the callback URLs the provider comes back to, the caller's
 * documents (menu, CAPTCHA, hold, voicemail) and the volunteer's (screening, "press 1").
 * Webhook steps and the Asterisk bridge both answer from here, so a leg hears the same
 * whichever transport carries it.
 */

// ---------------------------------------------------------------------------------------------
// What the hotline says

/**
 * What the hotline says, per language: one file per language in `voice/`. Languages without a
 * translation there speak English: a caller must always hear something they can act on. Text
 * only ever comes from those files, never from a request.
 */
type PromptKey = keyof VoiceLanguage['text'];

function textIn(language: string): VoiceLanguage {
  const base = language.split('-')[0] ?? 'en';
  return VOICES[base] ?? VOICES.en;
}

export function say(language: string, key: PromptKey, vars: Record<string, string | number> = {}): Prompt {
  const { tag, text: words } = textIn(language);
  let text: string = words[key];
  for (const [name, value] of Object.entries(vars)) text = text.replace(`{${name}}`, String(value));
  return { kind: 'say', text, language: tag };
}

type CountedKey = keyof VoiceLanguage['counted'];

/** A sentence with a count: the form the language's plural rules pick for `n`, `other` when it has none. */
export function sayCount(language: string, key: CountedKey, n: number): Extract<Prompt, { kind: 'say' }> {
  const base = language.split('-')[0] ?? 'en';
  const code = VOICES[base] ? base : 'en';
  const { tag, counted } = VOICES[code] ?? VOICES.en;
  const forms = counted[key];
  const form = new Intl.PluralRules(code).select(n);
  const text = (form === 'other' ? undefined : forms[form]) ?? forms.other;
  return { kind: 'say', text: text.replace('{n}', String(n)), language: tag };
}

/** "You are number 3 in line." or "The expected wait is about 4 minutes." */
export function announce(language: string, announcement: Announcement): Prompt {
  if (announcement.kind === 'position') return say(language, 'positionInLine', { n: announcement.position });
  if (announcement.seconds < 60) return say(language, 'waitUnderAMinute');
  return sayCount(language, 'waitMinutes', Math.round(announcement.seconds / 60));
}

export const hangupWith = (language: string, key: PromptKey): Instruction[] => [
  say(language, key),
  { kind: 'hangup' },
];

// ---------------------------------------------------------------------------------------------
// Where the provider comes back to

/**
 * Callback URLs we hand a provider. They are absolute, built on PUBLIC_URL (the URL the
 * provider signs), and carry only our own ids: the signature covers the query, so an id there
 * is one we issued. The hotline itself is never taken from a URL: the called number decides.
 */
type WebhookPath =
  | 'inbound'
  | 'status'
  | 'language'
  | 'captcha'
  | 'wait'
  | 'leg-status'
  | 'screen'
  | 'answer'
  | 'voicemail'
  | 'voicemail-done'
  | 'recording'
  | 'join';

export function webhookUrl(
  ctx: ServerContext,
  provider: string,
  path: WebhookPath,
  query: Record<string, string | number> = {},
): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return `${ctx.config.PUBLIC_URL}/api/telephony/${provider}/${path}${search ? `?${search}` : ''}`;
}

/** The waiting-room name of a call (TwiML <Enqueue>/<Queue>, 64 characters at most). */
export const queueName = (callId: string): string => `call-${callId}`;

// ---------------------------------------------------------------------------------------------
// The caller's leg

/**
 * What the caller's leg does next, from the call row alone. Every webhook that answers the
 * caller (a first inbound request, a retried one, a menu choice) renders from here, so a
 * replayed request gets the document for the state the call is in now, never a second effect.
 */
export function callerDocument(ctx: ServerContext, call: CallRow, settings: HotlineSettings): Instruction[] {
  const p = call.provider;
  switch (call.status) {
    case 'arriving':
      return languageMenu(ctx, call, settings, 0);
    case 'captcha':
      return captchaStep(ctx, call);
    case 'queued':
    case 'ringing':
    case 'answered':
      return [
        say(call.language, 'hold'),
        {
          kind: 'enqueue-caller',
          queue: queueName(call.id),
          waitUrl: webhookUrl(ctx, p, 'wait', { call: call.id }),
          // For providers that loop a file rather than fetch the wait document (Vonage).
          holdAudioUrl: holdMusicFor(ctx, settings),
        },
      ];
    case 'voicemail':
      return voicemailDocument(ctx, call, settings);
    case 'rejected':
      return hangupWith(call.language, 'unavailable');
    default:
      return [{ kind: 'hangup' }];
  }
}

/** The key that turns the language menu to its next page. */
export const MORE_LANGUAGES_DIGIT = '9';

/**
 * A page of the language menu. A keypad has nine keys for choices, and a hotline may speak up
 * to twenty languages: up to nine fit on one page; more come eight to a page, and each language
 * on a later page is announced with key 9 ("for Tagalog, press 9"), which turns the page, so
 * every enabled language is offered and every caller hears their own language first.
 */
export function languageMenuPage(
  languages: readonly string[],
  page: number,
): { first: number; choices: string[]; later: string[] } {
  const first = page * 8;
  const rest = languages.slice(first);
  if (rest.length <= 9) return { first, choices: rest, later: [] };
  return { first, choices: rest.slice(0, 8), later: rest.slice(8) };
}

/** "For English press 1, para español marque 2 …", each in its own language. */
export function languageMenu(
  ctx: ServerContext,
  call: CallRow,
  settings: HotlineSettings,
  page: number,
): Instruction[] {
  const { choices, later } = languageMenuPage(settings.languages, page);
  return [
    {
      kind: 'gather-digit',
      prompt: [
        ...choices.map((lang, i) => say(lang, 'chooseLanguage', { n: i + 1 })),
        ...later.map((lang) => say(lang, 'chooseLanguage', { n: MORE_LANGUAGES_DIGIT })),
      ],
      // Page 0's URL is what it always was (providers may be mid-call across an upgrade).
      actionUrl: webhookUrl(
        ctx,
        call.provider,
        'language',
        page ? { call: call.id, page } : { call: call.id },
      ),
      timeoutSeconds: 8,
    },
  ];
}

/**
 * One digit per gather (the neutral gather takes one key): the digits are read out once, then
 * each is asked for in turn. `step` in the URL is how many digits were typed, which makes a
 * retried webhook for the same step a no-op.
 */
function captchaStep(ctx: ServerContext, call: CallRow): Instruction[] {
  const step = call.captchaInput.length;
  const digits = call.captchaDigits ?? '';
  const prompt =
    step === 0
      ? [
          say(call.language, 'captchaIntro', { digits: digits.split('').join(', ') }),
          say(call.language, 'captchaDigit', { n: 1 }),
        ]
      : [say(call.language, 'captchaDigit', { n: step + 1 })];
  return [
    {
      kind: 'gather-digit',
      prompt,
      actionUrl: webhookUrl(ctx, call.provider, 'captcha', { call: call.id, step }),
      timeoutSeconds: 10,
    },
  ];
}

export function voicemailDocument(
  ctx: ServerContext,
  call: CallRow,
  settings: HotlineSettings,
): Instruction[] {
  const p = call.provider;
  return [
    say(call.language, 'voicemail'),
    {
      kind: 'record-voicemail',
      maxSeconds: settings.calls.voicemailMaxSeconds,
      actionUrl: webhookUrl(ctx, p, 'voicemail-done', { call: call.id }),
      statusUrl: webhookUrl(ctx, p, 'recording', { call: call.id }),
    },
    ...hangupWith(call.language, 'thanks'),
  ];
}

/**
 * How many times the hold music (24 s) plays between two "thank you for waiting": the caller is
 * told they are still in line about every 75 seconds, often enough to trust the silence of a
 * line is not a dropped call, not so often that it grates.
 */
export const HOLD_MUSIC_PLAYS = 3;

/**
 * Providers whose wait document cannot redirect: Plivo's conference waitSound takes only
 * <Play>, <Speak> and <Wait>. There the music loops on its own (Plivo's <Play loop="0">) after
 * the prompt, until the wait ends.
 */
const WAIT_WITHOUT_REDIRECT: ReadonlySet<string> = new Set(['plivo']);

/**
 * What a waiting or held caller hears (the queue's waitUrl, the conference's waitUrl or
 * waitSound, a held participant's holdUrl): the prompt, then the hold music, then this document
 * again. It redirects to itself rather than trust the provider to fetch it again when it ends
 * (Twilio's conference waitUrl and holdUrl documents, unlike a queue's, are not documented to
 * loop), so the caller never ends in silence. The music is the admin's file when they set one
 * (settings `calls.holdMusicUrl`), else the generated clip. A call past its time goes to voicemail.
 */
export async function waitDocument(
  ctx: ServerContext,
  call: CallRow,
  settings: HotlineSettings,
  now: Date,
): Promise<Instruction[]> {
  const due = call.queueDeadline !== null && call.queueDeadline.getTime() <= now.getTime();
  if (call.status === 'voicemail' || (due && (call.status === 'queued' || call.status === 'ringing')))
    return [{ kind: 'redirect', url: webhookUrl(ctx, call.provider, 'voicemail', { call: call.id }) }];
  if (call.endedAt) return [{ kind: 'hangup' }];
  // A queued caller may also hear their place or the expected wait; a held one (answered) never does.
  const told = await queueAnnouncement(ctx, call, settings, now);
  const prompt: Instruction[] = [
    say(call.language, 'stillWaiting'),
    ...(told ? [announce(call.language, told)] : []),
  ];
  const music = holdMusicFor(ctx, settings);
  if (WAIT_WITHOUT_REDIRECT.has(call.provider)) return [...prompt, { kind: 'play', url: music, loop: 0 }];
  return [
    ...prompt,
    { kind: 'play', url: music, loop: HOLD_MUSIC_PLAYS },
    { kind: 'redirect', url: webhookUrl(ctx, call.provider, 'wait', { call: call.id }) },
  ];
}

// ---------------------------------------------------------------------------------------------
// A volunteer's leg

/**
 * The volunteer leg a webhook (or a bridge event) is about: our call and leg ids, from the URL
 * we issued, and the provider's id of the leg that called.
 */
export interface LegStep {
  callId: string;
  legId: string;
  providerLegId: string;
}

/** The leg exists, belongs to the call, and (once known) is the provider leg that called us. */
async function legFor(ctx: ServerContext, { callId, legId, providerLegId }: LegStep): Promise<LegRow | null> {
  const leg = await findLeg(ctx.db, legId);
  if (!leg || leg.callId !== callId || !placedAtProvider(leg)) return null;
  if (leg.providerLegId && leg.providerLegId !== providerLegId) return null;
  if (!leg.providerLegId) await bindProviderLeg(ctx.db, legId, providerLegId);
  return leg;
}

/**
 * The volunteer's leg picked up. A phone is screened with "press 1": a voicemail box, or a phone
 * answered in a pocket, never presses 1, so it cannot take the call. A browser leg is not: it
 * rings only the provider SDK logged in with the credential the server issued to this volunteer
 * (telephony/browser), and it is answered only by their click on Answer in the unlocked app, so
 * the pickup itself is the volunteer's choice and goes straight to the first-pickup
 * compare-and-set, as a phone leg's "1" does.
 */
export async function screenDocument(
  ctx: ServerContext,
  provider: string,
  step: LegStep,
): Promise<Instruction[]> {
  const { callId, legId } = step;
  // The leg checked as legFor does, bound, and marked live if its call still waits: one statement.
  const picked = await pickUpLeg(ctx.db, step);
  if (!picked?.callStatus) return [{ kind: 'hangup' }];
  const { leg, callStatus } = picked;
  if (leg.kind === 'browser') return takeCall(ctx, leg);
  if (callStatus !== 'ringing' && callStatus !== 'queued')
    return hangupWith('en', callStatus === 'answered' ? 'taken' : 'over');
  return [
    {
      kind: 'gather-digit',
      prompt: [say('en', 'screen')],
      actionUrl: webhookUrl(ctx, provider, 'answer', { call: callId, leg: legId }),
      timeoutSeconds: 10,
    },
    ...hangupWith('en', 'goodbye'),
  ];
}

/** The volunteer pressed a key on the screening prompt. */
export async function answerDocument(
  ctx: ServerContext,
  step: LegStep,
  digits: string,
): Promise<Instruction[]> {
  if (digits !== '1') return (await legFor(ctx, step)) ? hangupWith('en', 'goodbye') : [{ kind: 'hangup' }];
  // The leg checked as legFor does and the call claimed for its volunteer: one statement.
  const { claim, leg } = await claimByLeg(ctx, step);
  if (!claim || !leg) return [{ kind: 'hangup' }];
  return claimedDocument(claim, leg.kind, step.callId);
}

/**
 * The leg's volunteer takes the call if nobody did first (answer.ts); the winner is connected to
 * the waiting caller, a loser hears why the call is not theirs.
 */
async function takeCall(ctx: ServerContext, leg: LegRow): Promise<Instruction[]> {
  // A leg with no user belongs to a call that ended and was sealed (call-meta.ts).
  if (!leg.userId) return hangupWith('en', 'over');
  const result = await claimCall(ctx, leg.callId, leg.userId, leg.id, leg.kind);
  return claimedDocument(result, leg.kind, leg.callId);
}

/** A browser hears no "connecting": its card already says so, and the caller's voice comes sooner. */
function claimedDocument(result: ClaimResult, kind: LegKind, callId: string): Instruction[] {
  if (result.outcome === 'lost') {
    const answered = result.call?.status === 'answered';
    return hangupWith('en', answered ? 'taken' : 'over');
  }
  return [
    ...(kind === 'browser' ? [] : [say('en', 'connecting')]),
    { kind: 'connect-to-caller', queue: queueName(callId) },
    { kind: 'hangup' },
  ];
}
