import { TelephonyInputError } from '../errors.js';
import type { Instruction, Prompt, ProviderResponse } from '../provider.js';
import { requireBrowserIdentity, requireCallbackUrl, requireSeconds } from '../validate.js';
import { element, XML_DECLARATION } from '../xml.js';

/**
 * Renders neutral instructions as TwiML, or as SignalWire's LaML (cXML), which has the same
 * verbs and attributes. What differs between the two is a `MarkupDialect`: its name (for
 * errors) and its voice names (Twilio spells Amazon voices "Polly.Lupe", SignalWire
 * "polly.Lupe"); with no voice chosen both use their default voice for the language.
 *
 * Every URL we put in a document is absolute (SignalWire requires it for action URLs, and a
 * relative one would resolve against whatever URL the provider last fetched), and every
 * callback uses POST, so that the parameters are in the signed body.
 */
export interface MarkupDialect {
  provider: string;
  /** A voice attribute for a language, or undefined for the provider's default. */
  voiceFor?: (language: string) => string | undefined;
  /**
   * The noun that rings a volunteer's browser inside <Dial>: Twilio's <Client>identity</Client>
   * by default; SignalWire's <Verto>identity@<space>.verto.signalwire.com</Verto>. With
   * `browserCalling: false` the dialect cannot ring a browser.
   */
  browserNoun?: (identity: string) => string;
  browserCalling?: false;
  /**
   * Twilio and SignalWire: the caller waits, and meets the volunteer, in a <Conference> named
   * after the waiting room instead of <Enqueue>/<Dial><Queue>, so the call can be held and handed
   * over later through the Participants resource (conference.ts). Without it, the queue verbs.
   * `volunteerEndsConference`: whether the volunteer's leaving ends it (Twilio; SignalWire cannot
   * undo that for a hand-over, so there the router hangs up the caller instead, end.ts).
   */
  conferenceBridge?: { volunteerEndsConference: boolean };
}

/** Queue names become <Enqueue>/<Queue> text; Twilio caps them at 64 characters. */
const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A BCP 47 language tag such as "en-US" or "es-MX". */
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/;

class Renderer {
  constructor(private readonly dialect: MarkupDialect) {}

  private fail(message: string): never {
    throw new TelephonyInputError(this.dialect.provider, 'render', message);
  }

  private url(field: string, value: string): string {
    return requireCallbackUrl(this.dialect.provider, 'render', field, value);
  }

  private browserNoun(identity: string): string {
    if (this.dialect.browserCalling === false) this.fail('this account cannot ring a browser');
    return this.dialect.browserNoun?.(identity) ?? element('Client', {}, { text: identity });
  }

  private seconds(field: string, value: number, min: number, max: number): number {
    return requireSeconds(this.dialect.provider, 'render', field, value, min, max);
  }

  private queue(name: string): string {
    if (!QUEUE_NAME.test(name)) this.fail('queue name must be 1-64 letters, digits, "_", "." or "-"');
    return name;
  }

  /** A verb's action URL, POSTed to when the verb ends; none without one. */
  private posted(field: string, actionUrl: string | undefined): { action?: string; method?: string } {
    return actionUrl === undefined ? {} : { action: this.url(field, actionUrl), method: 'POST' };
  }

  /** <Dial><Conference> for one participant of the call's conference; no beeps for anyone. */
  private conference(
    actionUrl: string | undefined,
    queue: string,
    attributes: Record<string, string>,
  ): string {
    return element('Dial', this.posted('dial action', actionUrl), [
      element('Conference', { beep: 'false', ...attributes }, { text: this.queue(queue) }),
    ]);
  }

  private enqueueCaller(step: Extract<Instruction, { kind: 'enqueue-caller' }>): string {
    if (this.dialect.conferenceBridge)
      // The caller hears the wait document until a volunteer starts the conference, and
      // ends it on leaving (the volunteer's <Dial> ends with it).
      return this.conference(step.actionUrl, step.queue, {
        startConferenceOnEnter: 'false',
        endConferenceOnExit: 'true',
        waitUrl: this.url('enqueue waitUrl', step.waitUrl),
        waitMethod: 'POST',
      });
    return element(
      'Enqueue',
      {
        ...this.posted('enqueue action', step.actionUrl),
        waitUrl: this.url('enqueue waitUrl', step.waitUrl),
        waitUrlMethod: 'POST',
      },
      { text: this.queue(step.queue) },
    );
  }

  private connectToCaller(step: Extract<Instruction, { kind: 'connect-to-caller' }>): string {
    if (this.dialect.conferenceBridge)
      // The volunteer starts the call; on Twilio their leaving ends it (a hand-over changes
      // that before removing them), so the caller is never left alone in silence.
      return this.conference(step.actionUrl, step.queue, {
        startConferenceOnEnter: 'true',
        endConferenceOnExit: this.dialect.conferenceBridge.volunteerEndsConference ? 'true' : 'false',
      });
    return element('Dial', this.posted('dial action', step.actionUrl), [
      element('Queue', {}, { text: this.queue(step.queue) }),
    ]);
  }

  prompt(prompt: Prompt): string {
    if (prompt.kind === 'say') {
      if (!LANGUAGE.test(prompt.language)) this.fail('say: language must be a tag such as "es-MX"');
      const voice = this.dialect.voiceFor?.(prompt.language);
      return element('Say', { language: prompt.language, voice }, { text: prompt.text });
    }
    const loop = prompt.loop === undefined ? undefined : this.seconds('play loop', prompt.loop, 0, 1000);
    return element('Play', { loop }, { text: this.url('play url', prompt.url) });
  }

  instruction(step: Instruction): string {
    switch (step.kind) {
      case 'say':
      case 'play':
        return this.prompt(step);
      case 'pause':
        return element('Pause', { length: this.seconds('pause', step.seconds, 1, 60) });
      case 'gather-digit':
        // actionOnEmptyResult: a timeout also reaches the action URL, so the router always hears
        // how the screening ended instead of the document silently falling through.
        return element(
          'Gather',
          {
            input: 'dtmf',
            numDigits: 1,
            timeout: this.seconds('gather timeout', step.timeoutSeconds, 1, 60),
            action: this.url('gather action', step.actionUrl),
            method: 'POST',
            actionOnEmptyResult: 'true',
          },
          step.prompt.map((p) => this.prompt(p)),
        );
      case 'enqueue-caller':
        return this.enqueueCaller(step);
      case 'connect-to-caller':
        return this.connectToCaller(step);
      case 'dial-browser':
        // The Voice JS SDK registered as this identity (access-token.ts) rings like a phone.
        return element(
          'Dial',
          {
            timeout: this.seconds('dial timeout', step.timeoutSeconds, 5, 600),
            ...this.posted('dial action', step.actionUrl),
          },
          [this.browserNoun(requireBrowserIdentity(this.dialect.provider, 'render', step.identity))],
        );
      case 'record-voicemail':
        // finishOnKey "#" only: a caller pressing a digit mid-message must not cut it short.
        return element('Record', {
          maxLength: this.seconds('record maxSeconds', step.maxSeconds, 1, 3600),
          playBeep: 'true',
          finishOnKey: '#',
          action: this.url('record action', step.actionUrl),
          method: 'POST',
          recordingStatusCallback: this.url('record statusUrl', step.statusUrl),
          recordingStatusCallbackMethod: 'POST',
          recordingStatusCallbackEvent: 'completed absent',
        });
      case 'hangup':
        return element('Hangup');
      case 'redirect':
        return element('Redirect', { method: 'POST' }, { text: this.url('redirect url', step.url) });
      default:
        return this.fail(`unknown instruction ${(step as { kind: string }).kind}`);
    }
  }
}

export function renderMarkup(dialect: MarkupDialect, instructions: Instruction[]): ProviderResponse {
  const renderer = new Renderer(dialect);
  const body = `${XML_DECLARATION}${element(
    'Response',
    {},
    instructions.map((step) => renderer.instruction(step)),
  )}`;
  return { status: 200, contentType: 'text/xml; charset=utf-8', body };
}

export const TWIML: MarkupDialect = { provider: 'twilio' };
