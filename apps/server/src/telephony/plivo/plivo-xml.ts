import { TelephonyInputError } from '../errors.js';
import type { Instruction, Prompt, ProviderResponse } from '../provider.js';
import { requireBrowserIdentity, requireCallbackUrl, requireSeconds } from '../validate.js';
import { element, XML_DECLARATION } from '../xml.js';
import { plivoBrowserUri } from './access-token.js';

/**
 * Neutral instructions as Plivo XML (https://www.plivo.com/docs/voice/xml/). Every text and
 * attribute goes through xml.ts's escaping, so an admin-typed greeting cannot add an element.
 *
 * - say → <Speak language>, play → <Play loop>, pause → <Wait length>;
 * - gather-digit → <GetInput inputType="dtmf" numDigits="1"> around the prompts, then a
 *   <Redirect> to the same action URL: Plivo goes on to the next element when no key is
 *   pressed, and the router must hear that ending too (it arrives without Digits);
 * - enqueue-caller / connect-to-caller → a <Conference> named after the queue: the caller
 *   waits with startConferenceOnEnter false and the wait document as waitSound (Plivo fetches
 *   it like Twilio's waitUrl); the volunteer enters with startConferenceOnEnter true. Only the
 *   volunteer ends the conference on exit: the caller's leg is moved out of it to be held and
 *   into a colleague's room to be handed over (Call Transfer, conference.ts), which must not end
 *   it; their hanging up ends the call through the router (end.ts), which hangs up the volunteer.
 *   So the caller is never left alone in silence. maxMembers 3: the two, and a muted listener;
 * - join-conference → a <Conference> of the call's rooms by role (conference.ts): the held
 *   caller alone with the wait document as waitSound, the caller back (ending nothing), a
 *   colleague (starting and ending it), a listener (muted, ending nothing);
 * - record-voicemail → <Record> (beep, "#" ends it, mp3), the file callback to statusUrl;
 * - hangup → <Hangup/>, redirect → <Redirect>.
 */
const P = 'plivo';
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;
const CONFERENCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const fail = (message: string): never => {
  throw new TelephonyInputError(P, 'render', message);
};
const url = (field: string, value: string) => requireCallbackUrl(P, 'render', field, value);
const seconds = (field: string, value: number, min: number, max: number) =>
  requireSeconds(P, 'render', field, value, min, max);
/** A verb's action URL, POSTed to with redirect (Plivo then runs the document it answers); none without one. */
const posted = (field: string, actionUrl: string | undefined) =>
  actionUrl === undefined ? {} : { action: url(field, actionUrl), method: 'POST', redirect: 'true' };

function conferenceName(queue: string): string {
  if (!CONFERENCE_NAME.test(queue)) fail('queue name must be 1-64 letters, digits, "_", "." or "-"');
  return queue;
}

function prompt(step: Prompt): string {
  if (step.kind === 'say') {
    if (!LANGUAGE.test(step.language)) fail('say: language must be a tag such as "es-MX"');
    return element('Speak', { language: step.language }, { text: step.text });
  }
  const loop = step.loop === undefined ? undefined : seconds('play loop', step.loop, 0, 1000);
  return element('Play', { loop }, { text: url('play url', step.url) });
}

type Member = 'held' | 'caller' | 'colleague' | 'listener' | 'volunteer';

function conference(
  queue: string,
  member: Member,
  waitSound?: string,
  action: ReturnType<typeof posted> = {},
): string {
  const caller = member === 'held' || member === 'caller';
  return element(
    'Conference',
    {
      startConferenceOnEnter: caller ? 'false' : 'true',
      endConferenceOnExit: member === 'volunteer' || member === 'colleague' ? 'true' : 'false',
      muted: member === 'listener' ? 'true' : undefined,
      waitSound,
      maxMembers: 3,
      enterSound: '',
      exitSound: '',
      ...action,
    },
    { text: conferenceName(queue) },
  );
}

/** One key press; the Redirect after it tells the router that none came (no Digits). */
function getInput(step: Extract<Instruction, { kind: 'gather-digit' }>): string {
  const action = url('gather action', step.actionUrl);
  // GetInput's executionTimeout runs from 5 to 60 s.
  const timeout = Math.max(5, seconds('gather timeout', step.timeoutSeconds, 1, 60));
  return (
    element(
      'GetInput',
      {
        action,
        method: 'POST',
        inputType: 'dtmf',
        numDigits: 1,
        executionTimeout: timeout,
        digitEndTimeout: 'auto',
        redirect: 'true',
      },
      step.prompt.map(prompt),
    ) + element('Redirect', { method: 'POST' }, { text: action })
  );
}

function instruction(step: Instruction): string {
  switch (step.kind) {
    case 'say':
    case 'play':
      return prompt(step);
    case 'pause':
      return element('Wait', { length: seconds('pause', step.seconds, 1, 60) });
    case 'gather-digit':
      return getInput(step);
    case 'enqueue-caller':
      return conference(
        step.queue,
        'caller',
        url('enqueue waitUrl', step.waitUrl),
        posted('enqueue action', step.actionUrl),
      );
    case 'connect-to-caller':
      return conference(step.queue, 'volunteer', undefined, posted('dial action', step.actionUrl));
    case 'join-conference':
      if (!['held', 'caller', 'colleague', 'listener'].includes(step.role)) return fail('join: unknown role');
      if ((step.role === 'held') !== (step.waitUrl !== undefined))
        fail('join: a wait sound is for the held caller');
      return conference(
        step.room,
        step.role,
        step.waitUrl === undefined ? undefined : url('join waitUrl', step.waitUrl),
      );
    case 'dial-browser':
      // The browser SDK logged in with the identity's token answers at this SIP address.
      return element(
        'Dial',
        {
          timeout: seconds('dial timeout', step.timeoutSeconds, 5, 120),
          ...posted('dial action', step.actionUrl),
        },
        [element('User', {}, { text: plivoBrowserUri(requireBrowserIdentity(P, 'render', step.identity)) })],
      );
    case 'record-voicemail':
      return element('Record', {
        action: url('record action', step.actionUrl),
        method: 'POST',
        redirect: 'true',
        maxLength: seconds('record maxSeconds', step.maxSeconds, 1, 3600),
        playBeep: 'true',
        finishOnKey: '#',
        fileFormat: 'mp3',
        callbackUrl: url('record statusUrl', step.statusUrl),
        callbackMethod: 'POST',
      });
    case 'hangup':
      return element('Hangup');
    case 'redirect':
      return element('Redirect', { method: 'POST' }, { text: url('redirect url', step.url) });
    default:
      return fail(`unknown instruction ${(step as { kind: string }).kind}`);
  }
}

export function renderPlivoXml(instructions: Instruction[]): ProviderResponse {
  const body = `${XML_DECLARATION}${element('Response', {}, instructions.map(instruction))}`;
  return { status: 200, contentType: 'text/xml; charset=utf-8', body };
}
