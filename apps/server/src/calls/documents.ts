import type { HotlineSettings } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import type { Instruction } from '../telephony/provider.js';
import { hangupWith, say } from './prompts.js';
import type { CallRow } from './store.js';
import { queueName, webhookUrl } from './urls.js';

/**
 * What the caller's leg does next, from the call row alone. Every webhook that answers the
 * caller (a first inbound request, a retried one, a menu choice) renders from here, so a
 * replayed request gets the document for the state the call is in now, never a second effect.
 */
export function callerDocument(ctx: ServerContext, call: CallRow, settings: HotlineSettings): Instruction[] {
  const p = call.provider;
  switch (call.status) {
    case 'arriving':
      return languageMenu(ctx, call, settings);
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

/** "For English press 1, para español marque 2 …", each in its own language. */
function languageMenu(ctx: ServerContext, call: CallRow, settings: HotlineSettings): Instruction[] {
  const choices = settings.languages.slice(0, 9);
  return [
    {
      kind: 'gather-digit',
      prompt: choices.map((lang, i) => say(lang, 'chooseLanguage', { n: i + 1 })),
      actionUrl: webhookUrl(ctx, call.provider, 'language', { call: call.id }),
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

/** The hold loop: the provider fetches it again when it ends. A call past its time goes to voicemail. */
export function waitDocument(ctx: ServerContext, call: CallRow, now: Date): Instruction[] {
  const due = call.queueDeadline !== null && call.queueDeadline.getTime() <= now.getTime();
  if (call.status === 'voicemail' || (due && (call.status === 'queued' || call.status === 'ringing')))
    return [{ kind: 'redirect', url: webhookUrl(ctx, call.provider, 'voicemail', { call: call.id }) }];
  if (call.endedAt) return [{ kind: 'hangup' }];
  return [say(call.language, 'stillWaiting'), { kind: 'pause', seconds: 15 }];
}
