import { TelephonyInputError } from '../errors.js';
import type { Instruction, Prompt, ProviderResponse } from '../provider.js';
import { requireBrowserIdentity, requireCallbackUrl, requireSeconds } from '../validate.js';
import { escapeXml } from '../xml.js';

/**
 * Neutral instructions as an NCCO (Vonage's JSON call-control document), per
 * https://developer.vonage.com/en/voice/voice-api/ncco-reference. JSON.stringify does the
 * document's own escaping, so no text can add an action; spoken text is additionally wrapped in
 * <speak> with XML escaping, because Vonage reads a talk text that starts with <speak> as SSML
 * and an admin-typed greeting must not be able to do that.
 *
 * The mapping:
 * - say → talk (language), play → stream (loop), pause → wait;
 * - gather-digit → its prompts with bargeIn (a key press cuts them short), then input: dtmf,
 *   maxDigits 1, the result (digits, or timed_out) POSTed to the action URL;
 * - enqueue-caller → the caller joins the conversation named after the queue with
 *   startOnEnter false, hearing musicOnHoldUrl (holdAudioUrl) until someone starts it;
 * - connect-to-caller → the volunteer joins that conversation with startOnEnter true (which
 *   starts it, so the two hear each other) and endOnExit false: Vonage cannot change a member's
 *   endOnExit once joined, and a hand-over (conversation.ts) hangs up the first volunteer while
 *   the colleague and the caller stay in the conversation. When the answering volunteer hangs
 *   up, the router hangs up the caller (end.ts), as it does on every provider;
 * - record-voicemail → record (beepStart, endOnKey "#", endOnSilence, timeOut), file event to
 *   the status URL; then a notify to the action URL, whose answer continues the call;
 * - redirect → notify to the URL: Vonage replaces the NCCO with the one it returns;
 * - hangup → the document ends there; a call ends when its NCCO runs out. (Hanging up a live
 *   call from outside is the REST update, see rest.ts.)
 */
type NccoAction = Record<string, unknown> & { action: string };

const PROVIDER = 'vonage';
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
/** Conversation names are ours (one per call); keep them to a safe, short alphabet. */
const CONVERSATION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Vonage caps talk text at 1,500 characters. */
const MAX_TALK_CHARS = 1500;
/** input.dtmf.timeOut is at most 10 s at Vonage; a longer neutral timeout is shortened to it. */
const MAX_DTMF_TIMEOUT = 10;
/**
 * Seconds of silence that end a voicemail. Vonage allows 3–10; the longest, because callers
 * in distress pause, and a message cut short cannot be asked for again.
 */
const VOICEMAIL_END_ON_SILENCE = 10;

const fail = (message: string, operation = 'render'): never => {
  throw new TelephonyInputError(PROVIDER, operation, message);
};
const url = (field: string, value: string) => requireCallbackUrl(PROVIDER, 'render', field, value);
const seconds = (field: string, value: number, min: number, max: number) =>
  requireSeconds(PROVIDER, 'render', field, value, min, max);

/** A conversation name of ours, checked (also by the call controls, conversation.ts). */
export function conversationName(queue: string, operation = 'render'): string {
  if (!CONVERSATION_NAME.test(queue))
    fail('queue name must be 1-64 letters, digits, "_", "." or "-"', operation);
  return queue;
}

/** Spoken text as a talk action (also the hold prompt of conversation.ts). */
export function talk(step: Extract<Prompt, { kind: 'say' }>, operation = 'render'): NccoAction {
  if (!LANGUAGE.test(step.language)) fail('say: language must be a tag such as "es-MX"', operation);
  if ([...step.text].length > MAX_TALK_CHARS)
    fail(`say: text is longer than ${MAX_TALK_CHARS} characters`, operation);
  return { action: 'talk', text: `<speak>${escapeXml(step.text)}</speak>`, language: step.language };
}

function prompt(step: Prompt, bargeIn: boolean): NccoAction {
  const interrupt = bargeIn ? { bargeIn: true } : {};
  if (step.kind === 'say') return { ...talk(step), ...interrupt };
  const loop = step.loop === undefined ? 1 : seconds('play loop', step.loop, 0, 1000);
  return { action: 'stream', streamUrl: [url('play url', step.url)], loop, ...interrupt };
}

const notify = (event: string, target: string): NccoAction => ({
  action: 'notify',
  payload: { event },
  eventUrl: [target],
  eventMethod: 'POST',
});

type Step<K extends Instruction['kind']> = Extract<Instruction, { kind: K }>;
/** What one instruction renders to: its actions, and whether the document ends after it. */
type Rendered = { ncco: NccoAction[]; ends?: boolean };

/**
 * A step that can end (a wait in the queue, a bridge, a dial): its action, then, when the step
 * has an action URL, a notify that tells the hotline it ended and how (`event`).
 */
const thenNotify = (
  action: NccoAction,
  event: string,
  what: string,
  actionUrl: string | undefined,
): Rendered => ({
  ncco: actionUrl === undefined ? [action] : [action, notify(event, url(what, actionUrl))],
});

/** The prompts (a key press cuts them short), then one DTMF digit POSTed to the action URL. */
function gatherDigit(step: Step<'gather-digit'>): Rendered {
  const timeout = seconds('gather timeout', step.timeoutSeconds, 1, 60);
  return {
    ncco: [
      ...step.prompt.map((p) => prompt(p, true)),
      {
        action: 'input',
        type: ['dtmf'],
        dtmf: { maxDigits: 1, timeOut: Math.min(timeout, MAX_DTMF_TIMEOUT) },
        eventUrl: [url('gather action', step.actionUrl)],
        eventMethod: 'POST',
      },
    ],
  };
}

function enqueueCaller(step: Step<'enqueue-caller'>): Rendered {
  const hold =
    step.holdAudioUrl === undefined ? {} : { musicOnHoldUrl: [url('holdAudioUrl', step.holdAudioUrl)] };
  url('enqueue waitUrl', step.waitUrl); // checked like every URL, though Vonage has no wait document
  const join = {
    action: 'conversation',
    name: conversationName(step.queue),
    startOnEnter: false,
    ...hold,
  };
  return thenNotify(join, 'left-queue', 'enqueue action', step.actionUrl);
}

function connectToCaller(step: Step<'connect-to-caller'>): Rendered {
  const join = {
    action: 'conversation',
    name: conversationName(step.queue),
    startOnEnter: true,
    endOnExit: false,
  };
  return thenNotify(join, 'connect-ended', 'dial action', step.actionUrl);
}

function dialBrowser(step: Step<'dial-browser'>): Rendered {
  // The Client SDK session of the user named by the identity (client-token.ts) rings.
  const connect = {
    action: 'connect',
    timeout: seconds('dial timeout', step.timeoutSeconds, 5, 120),
    endpoint: [{ type: 'app', user: requireBrowserIdentity(PROVIDER, 'render', step.identity) }],
  };
  return thenNotify(connect, 'dial-ended', 'dial action', step.actionUrl);
}

function recordVoicemail(step: Step<'record-voicemail'>): Rendered {
  return {
    ncco: [
      {
        action: 'record',
        format: 'mp3',
        beepStart: true,
        endOnKey: '#',
        endOnSilence: VOICEMAIL_END_ON_SILENCE,
        // Vonage's minimum is 3 s.
        timeOut: Math.max(3, seconds('record maxSeconds', step.maxSeconds, 1, 3600)),
        eventUrl: [url('record statusUrl', step.statusUrl)],
        eventMethod: 'POST',
      },
      notify('recording-stopped', url('record action', step.actionUrl)),
    ],
  };
}

/** The actions for one instruction, and whether the document ends after it. */
function actions(step: Instruction): Rendered {
  switch (step.kind) {
    case 'say':
    case 'play':
      return { ncco: [prompt(step, false)] };
    case 'pause':
      return { ncco: [{ action: 'wait', timeout: seconds('pause', step.seconds, 1, 60) }] };
    case 'gather-digit':
      return gatherDigit(step);
    case 'enqueue-caller':
      return enqueueCaller(step);
    case 'connect-to-caller':
      return connectToCaller(step);
    case 'dial-browser':
      return dialBrowser(step);
    case 'record-voicemail':
      return recordVoicemail(step);
    case 'hangup':
      return { ncco: [], ends: true };
    case 'redirect':
      return { ncco: [notify('redirect', url('redirect url', step.url))], ends: true };
    default:
      return fail(`unknown instruction ${(step as { kind: string }).kind}`);
  }
}

export function buildNcco(instructions: Instruction[]): NccoAction[] {
  const ncco: NccoAction[] = [];
  for (const step of instructions) {
    const { ncco: more, ends } = actions(step);
    ncco.push(...more);
    if (ends) break;
  }
  return ncco;
}

export function renderNcco(instructions: Instruction[]): ProviderResponse {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(buildNcco(instructions)) };
}

/**
 * The answer to an informational webhook: no NCCO at all. An empty array would be an NCCO
 * with nothing left to do, which ends the call if Vonage is waiting for one.
 */
export const acknowledgeVonage = (): ProviderResponse => ({
  status: 204,
  contentType: 'text/plain',
  body: '',
});
