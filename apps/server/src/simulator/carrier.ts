import type { ServerContext } from '../http/context.js';
import { FINAL_LEG_STATUSES, type LegStatus } from '../telephony/provider.js';
import { simulatorAccount } from '../telephony/simulator/credentials.js';
import type { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { type CallChange, type FakeCall, reportsStatus } from '../telephony/simulator/fake-twilio-state.js';
import { postSignedForm } from './signed-post.js';
import { parseTwiml, type Verb } from './twiml.js';
import { chimeWav } from './wav.js';
import { CallerAudioSignals } from './webrtc.js';

/**
 * The simulated carrier: the phone network as the hotline sees it, with no provider account.
 * It places calls into the hotline by sending real, signed Twilio-format webhooks to the
 * server's own /api/telephony/simulator/… routes (over loopback HTTP, signed over PUBLIC_URL
 * exactly as Twilio would), reads the TwiML it gets back, and plays the volunteers' phones for
 * the legs the hotline creates through the fake Twilio REST API.
 *
 * Numbers: the simulated caller's number is held in memory only, as Twilio would hold it;
 * what it shows (the page, `snapshot`) and logs is the last four digits.
 */
export type PhoneStatus = LegStatus;

export interface SimPhone {
  sid: string;
  role: 'caller' | 'leg';
  status: PhoneStatus;
  fromLast4: string;
  toLast4: string;
  /** What the phone heard, in order (Say texts and simulator notes). */
  heard: string[];
  /** A pending gather: where the pressed keys go. */
  gather: { action: string } | null;
  /** The waiting room a caller is in. */
  queue: string | null;
  /** The sid of the phone (or "browser:<userId>") this one talks to. */
  bridgedTo: string | null;
  statusUrl: string | null;
  redirectsSeen: number;
  createdAt: Date;
  errors: string[];
}

const ACCOUNT_PARAMS = { ApiVersion: '2010-04-01' };
const RECORDING_SECONDS = 2;

export class SimulatedCarrier {
  readonly phones = new Map<string, SimPhone>();
  /** WebRTC signalling between caller pages and the browsers they are bridged to (webrtc.ts). */
  readonly audio = new CallerAudioSignals();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stopListening: () => void;
  private readonly authToken: string;
  private readonly accountSid: string;
  private creatingInbound = false;
  private origin: string | null = null;
  private closed = false;

  constructor(
    private readonly ctx: ServerContext,
    readonly api: FakeTwilioApi,
  ) {
    const account = simulatorAccount(ctx.config.serverSecret);
    this.authToken = account.authToken;
    this.accountSid = account.accountSid;
    this.stopListening = api.onCallChange((change) => this.onCallChange(change));
  }

  /** Where the server really listens (loopback); webhooks are signed over PUBLIC_URL regardless. */
  setOrigin(origin: string): void {
    this.origin = origin.replace(/\/+$/, '');
  }

  /** Resolves when nothing the carrier started is still running. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopListening();
    this.audio.close();
    for (const t of this.timers) clearTimeout(t);
    await this.idle();
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => {});
    return work;
  }

  // -------------------------------------------------------------------------------------------
  // What a person does

  /** A caller dials the hotline. Resolves once the hotline's first document has been played. */
  async placeCall(input: { from: string; to: string }): Promise<SimPhone> {
    const phone = this.callerInProgress(input);
    await this.track(this.fetchAndRun(phone, this.hotlineUrl('inbound'), { CallStatus: 'ringing' }));
    return phone;
  }

  /** A caller's phone whose call to the hotline is connected at the carrier (webhooks not yet sent). */
  private callerInProgress(input: { from: string; to: string }): SimPhone {
    this.creatingInbound = true;
    let fake: FakeCall;
    try {
      fake = this.api.state.createCall({
        to: input.to,
        from: input.from,
        url: this.hotlineUrl('inbound'),
        statusCallback: this.hotlineUrl('status'),
        statusCallbackEvents: ['completed'],
        timeoutSeconds: 60,
      });
    } finally {
      this.creatingInbound = false;
    }
    const phone = this.newPhone(fake, 'caller');
    phone.status = 'in-progress';
    this.api.state.setCallStatus(fake.sid, 'in-progress');
    return phone;
  }

  /** Keys pressed on a phone with a pending gather (a caller's menu, a volunteer's "press 1"). */
  async pressDigits(sid: string, digits: string): Promise<void> {
    const phone = this.phone(sid);
    const gather = phone.gather;
    if (!gather || this.ended(phone)) throw new SimulatorError(`phone ${sid} is not waiting for keys`);
    phone.gather = null;
    phone.heard.push(`(pressed ${digits || 'nothing'})`);
    await this.track(this.fetchAndRun(phone, gather.action, { Digits: digits }));
  }

  /** A volunteer's phone picks up: the hotline's answer URL is fetched (the screening prompt). */
  async pickUp(sid: string): Promise<void> {
    const phone = this.phone(sid);
    if (phone.role !== 'leg' || (phone.status !== 'ringing' && phone.status !== 'queued'))
      throw new SimulatorError(`phone ${sid} is not ringing`);
    this.setStatus(phone, 'in-progress');
    await this.track(
      (async () => {
        await this.statusCallback(phone, 'in-progress');
        await this.fetchAndRun(phone, this.api.state.calls.get(sid)!.url, {});
      })(),
    );
  }

  /** Pick up and press 1: what the page's "Answer" button does. */
  async answer(sid: string): Promise<void> {
    await this.pickUp(sid);
    if (this.phone(sid).gather) await this.pressDigits(sid, '1');
  }

  /** Either side hangs up. */
  async hangUp(sid: string): Promise<void> {
    const phone = this.phone(sid);
    if (this.ended(phone)) return;
    await this.track(
      this.end(phone, phone.status === 'ringing' || phone.status === 'queued' ? 'canceled' : 'completed'),
    );
  }

  /** The hotline connected a volunteer who answered in the browser to this caller. */
  connectBrowser(providerCallId: string, userId: string): void {
    const caller = this.phones.get(providerCallId);
    if (!caller || this.ended(caller)) return;
    caller.queue = null;
    caller.bridgedTo = `browser:${userId}`;
    caller.heard.push('(connected to a volunteer in the browser)');
    this.audio.wake(); // the winner may already be waiting for the caller's offer
  }

  // -------------------------------------------------------------------------------------------
  // The network's side

  private phone(sid: string): SimPhone {
    const phone = this.phones.get(sid);
    if (!phone) throw new SimulatorError(`no simulated phone ${sid}`);
    return phone;
  }

  private ended = (phone: SimPhone) => FINAL_LEG_STATUSES.has(phone.status);

  private newPhone(fake: FakeCall, role: SimPhone['role']): SimPhone {
    const phone: SimPhone = {
      sid: fake.sid,
      role,
      status: fake.status,
      fromLast4: fake.from.slice(-4),
      toLast4: fake.to.slice(-4),
      heard: [],
      gather: null,
      queue: null,
      bridgedTo: null,
      statusUrl: fake.statusCallback,
      redirectsSeen: 0,
      createdAt: new Date(),
      errors: [],
    };
    this.phones.set(fake.sid, phone);
    return phone;
  }

  /** Our own status changes are written to the fake state first in `phone`, so the listener ignores them. */
  private setStatus(phone: SimPhone, status: PhoneStatus): void {
    phone.status = status;
    this.api.state.setCallStatus(phone.sid, status);
  }

  private onCallChange(change: CallChange): void {
    if (this.closed) return;
    const fake = change.call;
    if (change.type === 'created') {
      if (this.creatingInbound) return;
      const phone = this.newPhone(fake, 'leg');
      this.track(this.ring(phone, fake));
      return;
    }
    const phone = this.phones.get(fake.sid);
    if (!phone) return;
    if (FINAL_LEG_STATUSES.has(fake.status) && fake.status !== phone.status && !this.ended(phone)) {
      // The hotline ended this call over the REST API (a cancelled leg, a hung-up caller).
      this.track(this.end(phone, fake.status, { alreadyInState: true }));
      return;
    }
    if (fake.redirects.length > phone.redirectsSeen) {
      phone.redirectsSeen = fake.redirects.length;
      phone.queue = null;
      phone.gather = null;
      phone.heard.push('(redirected)');
      this.track(this.fetchAndRun(phone, fake.url, {}));
    }
  }

  private async ring(phone: SimPhone, fake: FakeCall): Promise<void> {
    await Promise.resolve(); // let the REST answer reach the hotline first, as on a real network
    if (this.ended(phone)) return;
    this.setStatus(phone, 'ringing');
    await this.statusCallback(phone, 'ringing');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (phone.status === 'ringing') this.track(this.end(phone, 'no-answer'));
    }, fake.timeoutSeconds * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async end(
    phone: SimPhone,
    status: PhoneStatus,
    options: { alreadyInState?: boolean } = {},
  ): Promise<void> {
    if (this.ended(phone)) return;
    phone.gather = null;
    phone.queue = null;
    if (options.alreadyInState) phone.status = status;
    else this.setStatus(phone, status);
    phone.heard.push(`(call ${status})`);
    const other = phone.bridgedTo ? this.phones.get(phone.bridgedTo) : undefined;
    phone.bridgedTo = null;
    this.audio.forget(phone.sid);
    await this.statusCallback(phone, status);
    // Two bridged phones end together: the caller's <Enqueue> and the volunteer's <Dial> finish.
    if (other && !this.ended(other)) await this.end(other, 'completed');
  }

  /** Sent only for the events the call's create request asked for, as Twilio does. */
  private async statusCallback(phone: SimPhone, status: PhoneStatus): Promise<void> {
    const fake = this.api.state.calls.get(phone.sid);
    if (!phone.statusUrl || !fake || !reportsStatus(fake, status)) return;
    await this.post(phone, phone.statusUrl, { CallStatus: status });
  }

  /** Requests `url` for `phone` (a signed webhook) and plays the document it answers with. */
  private async fetchAndRun(phone: SimPhone, url: string, extra: Record<string, string>): Promise<void> {
    const xml = await this.post(phone, url, { CallStatus: phone.status, ...extra });
    if (xml === null) {
      // Twilio plays an "application error" message and hangs up when a webhook fails.
      phone.heard.push('(the hotline answered with an error)');
      await this.end(phone, 'completed');
      return;
    }
    await this.run(phone, parseTwiml(xml));
  }

  private async run(phone: SimPhone, verbs: Verb[]): Promise<void> {
    for (const verb of verbs) {
      if (this.ended(phone)) return;
      switch (verb.name) {
        case 'Say':
          phone.heard.push(verb.text);
          break;
        case 'Play':
        case 'Pause':
          break;
        case 'Gather':
          for (const child of verb.children) if (child.name === 'Say') phone.heard.push(child.text);
          phone.gather = { action: verb.attributes.action ?? '' };
          return;
        case 'Enqueue':
          phone.queue = verb.text;
          phone.heard.push('(on hold)');
          return;
        case 'Dial': {
          const queue = verb.children.find((c) => c.name === 'Queue')?.text;
          const caller = [...this.phones.values()].find(
            (p) => p.role === 'caller' && p.queue === queue && !this.ended(p),
          );
          if (caller) {
            caller.queue = null;
            caller.bridgedTo = phone.sid;
            phone.bridgedTo = caller.sid;
            caller.heard.push('(connected to a volunteer)');
            phone.heard.push('(connected to the caller)');
            return;
          }
          phone.heard.push('(nobody waiting in the queue)');
          break;
        }
        case 'Record':
          await this.record(phone, verb);
          return;
        case 'Redirect':
          await this.fetchAndRun(phone, verb.text, {});
          return;
        case 'Hangup':
          await this.end(phone, 'completed');
          return;
        default:
          phone.errors.push(`unknown verb ${verb.name}`);
      }
    }
    // A document that runs out hangs up.
    await this.end(phone, 'completed');
  }

  /** The caller "speaks" a generated chime; the recording is offered as Twilio offers it. */
  private async record(phone: SimPhone, verb: Verb): Promise<void> {
    phone.heard.push('(recording a message)');
    const recording = this.api.state.addRecording(
      phone.sid,
      chimeWav(RECORDING_SECONDS),
      'audio/wav',
      RECORDING_SECONDS,
    );
    const params = {
      RecordingSid: recording.sid,
      RecordingDuration: String(RECORDING_SECONDS),
      RecordingUrl: `${this.api.baseUrl}/2010-04-01/Accounts/${this.accountSid}/Recordings/${recording.sid}`,
    };
    const statusUrl = verb.attributes.recordingStatusCallback;
    const action = verb.attributes.action;
    if (action) await this.fetchAndRun(phone, action, params);
    else await this.end(phone, 'completed');
    if (statusUrl) await this.post(phone, statusUrl, { ...params, RecordingStatus: 'completed' });
  }

  private hotlineUrl(step: string): string {
    return `${this.ctx.config.PUBLIC_URL}/api/telephony/simulator/${step}`;
  }

  /** A signed form POST, exactly as Twilio sends it; null when the hotline did not answer 2xx. */
  private async post(phone: SimPhone, url: string, extra: Record<string, string>): Promise<string | null> {
    const fake = this.api.state.calls.get(phone.sid);
    const params: Record<string, string> = {
      ...ACCOUNT_PARAMS,
      AccountSid: this.accountSid,
      CallSid: phone.sid,
      From: fake?.from ?? '',
      To: fake?.to ?? '',
      Direction: phone.role === 'caller' ? 'inbound' : 'outbound-api',
      ...extra,
    };
    const hotline = { publicUrl: this.ctx.config.PUBLIC_URL, origin: this.origin, authToken: this.authToken };
    try {
      const response = await postSignedForm(hotline, url, params);
      const text = await response.text();
      if (!response.ok) {
        phone.errors.push(`${new URL(url).pathname}: HTTP ${response.status}`);
        return null;
      }
      return text;
    } catch (error) {
      phone.errors.push(`${new URL(url).pathname}: ${(error as Error).name}`);
      return null;
    }
  }
}

export class SimulatorError extends Error {
  override readonly name = 'SimulatorError';
}
