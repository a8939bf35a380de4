import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { LoopbackServer } from '../loopback-server.js';
import type { LegStatus } from '../provider.js';
import {
  type CallChange,
  callResource,
  conferenceResource,
  FakeApiError,
  type FakeCall,
  type FakeConference,
  type FakeParticipant,
  type FakeRecording,
  FakeTwilioState,
  type IdStyle,
  participantResource as participantResourceOf,
} from './fake-twilio-state.js';

/**
 * A local stand-in for Twilio's REST API (Calls create/update/fetch, Recordings media/delete,
 * Conferences list/fetch/end and their Participants create/fetch/update/delete),
 * on 127.0.0.1 only. It records every request it receives, checks basic auth like Twilio, and
 * can be told to fail or to be slow, so adapters are tested against real HTTP without an
 * account. The simulated carrier runs the Twilio adapter against it, and drives the calls it
 * is asked to place through `state`. With `apiPath`, `idStyle: 'uuid'` and SignalWire's `rules`
 * it plays SignalWire's compatibility API instead (fake-signalwire-api.ts).
 */
export interface FakeTwilioApiOptions {
  accountSid: string;
  authToken: string;
  /** '/2010-04-01' (Twilio, default) or '/api/laml/2010-04-01' (SignalWire). */
  apiPath?: string;
  idStyle?: IdStyle;
  /** Another provider's differences from Twilio (fake-signalwire-api.ts). */
  rules?: FakeApiRules;
}

/** Where a Twilio-like API departs from Twilio's: what it lacks, and its words. */
export interface FakeApiRules {
  /** An error for a request this API does not have (checked after authentication). */
  refuse?: (request: RecordedRequest) => FakeApiError | undefined;
  /** How a participant in a conference is shown (Twilio "connected"). */
  participantJoined?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  /** Basic-auth user and password sent, or null without (or with malformed) basic auth. */
  auth: { username: string; password: string } | null;
  /** Form body fields in order (a name may repeat). */
  form: [string, string][];
  at: Date;
}

export interface FailureRule {
  status: number;
  /** Twilio's error code for the body (default 20500). */
  code?: number;
  message?: string;
  /** Only requests with this method / whose path contains this text; default all. */
  method?: string;
  pathIncludes?: string;
  /** How many matching requests fail (default 1; Infinity for "until cleared"). */
  times?: number;
}

export interface DelayRule {
  ms: number;
  method?: string;
  pathIncludes?: string;
  times?: number;
}

const matches = (rule: { method?: string; pathIncludes?: string }, method: string, path: string) =>
  (!rule.method || rule.method === method) && (!rule.pathIncludes || path.includes(rule.pathIncludes));

function basicAuth(header: string | undefined): RecordedRequest['auth'] {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

type FakeEnv = { Variables: { form: [string, string][] } };

const twilioError = (c: Context<FakeEnv>, error: FakeApiError) =>
  c.json({ code: error.code, message: error.message, status: error.status }, error.status as 400);

/** The form fields the gate read from a POST body. */
const formOf = (c: Context<FakeEnv>) => new URLSearchParams(c.get('form'));

export class FakeTwilioApi {
  readonly requests: RecordedRequest[] = [];
  readonly state: FakeTwilioState;
  readonly app: Hono<FakeEnv>;
  readonly apiPath: string;
  private failures: FailureRule[] = [];
  private delays: DelayRule[] = [];
  private readonly loopback = new LoopbackServer('the fake Twilio API');

  constructor(private readonly options: FakeTwilioApiOptions) {
    this.apiPath = options.apiPath ?? '/2010-04-01';
    this.state = new FakeTwilioState(options.idStyle ?? 'twilio');
    this.app = this.routes();
  }

  /** Starts one on 127.0.0.1 with a free port. */
  static async start(options: FakeTwilioApiOptions): Promise<FakeTwilioApi> {
    const fake = new FakeTwilioApi(options);
    await fake.listen();
    return fake;
  }

  listen(): Promise<void> {
    return this.loopback.listen(this.app.fetch);
  }

  get baseUrl(): string {
    return this.loopback.origin;
  }

  close(): Promise<void> {
    return this.loopback.close();
  }

  /** The next matching request(s) answer with this error instead of being carried out. */
  failNext(rule: FailureRule): void {
    this.failures.push({ times: 1, ...rule });
  }

  /** The next matching request(s) wait `ms` before being handled. */
  delayNext(rule: DelayRule): void {
    this.delays.push({ times: 1, ...rule });
  }

  clearFaults(): void {
    this.failures = [];
    this.delays = [];
  }

  // Conveniences over `state`, for tests and the simulated carrier.
  get calls(): FakeCall[] {
    return [...this.state.calls.values()];
  }
  call(sid: string): FakeCall | undefined {
    return this.state.calls.get(sid);
  }
  setCallStatus(sid: string, status: LegStatus): FakeCall {
    return this.state.setCallStatus(sid, status);
  }
  addRecording(callSid: string, bytes: Uint8Array, contentType?: string): FakeRecording {
    return this.state.addRecording(callSid, bytes, contentType);
  }
  onCallChange(listener: (change: CallChange) => void): () => void {
    return this.state.onCallChange(listener);
  }

  private take<T extends { times?: number; method?: string; pathIncludes?: string }>(
    rules: T[],
    method: string,
    path: string,
  ): T | undefined {
    const rule = rules.find((r) => matches(r, method, path) && (r.times ?? 1) > 0);
    if (rule) rule.times = (rule.times ?? 1) - 1;
    return rule;
  }

  private routes(): Hono<FakeEnv> {
    const app = new Hono<FakeEnv>();
    const account = `${this.apiPath}/Accounts/:account`;

    // Record, delay, fail and authenticate, in that order, before any route runs.
    app.use('*', (c, next) => this.gate(c, next));
    // Hono hands errors thrown by routes to onError, not back through the middleware.
    app.onError((error, c) => {
      if (error instanceof FakeApiError) return twilioError(c, error);
      return twilioError(c, new FakeApiError(500, 20500, 'Internal fake error'));
    });

    this.callRoutes(app, account);
    this.recordingRoutes(app, account);
    this.conferenceRoutes(app, account);

    app.notFound((c) => twilioError(c, new FakeApiError(404, 20404, 'The requested resource was not found')));
    return app;
  }

  private async gate(c: Context<FakeEnv>, next: () => Promise<void>): Promise<Response | undefined> {
    const url = new URL(c.req.url);
    const path = `${url.pathname}${url.search}`;
    const form =
      c.req.method === 'POST'
        ? [...new URLSearchParams(await c.req.text()).entries()]
        : ([] as [string, string][]);
    const auth = basicAuth(c.req.header('authorization'));
    this.requests.push({ method: c.req.method, path, auth, form, at: new Date() });
    c.set('form', form);
    const delay = this.take(this.delays, c.req.method, path);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms).unref());
    const failure = this.take(this.failures, c.req.method, path);
    if (failure)
      return twilioError(
        c,
        new FakeApiError(failure.status, failure.code ?? 20500, failure.message ?? 'Injected failure'),
      );
    const ok =
      auth !== null &&
      constantTimeEqualText(auth.username, this.options.accountSid) &&
      constantTimeEqualText(auth.password, this.options.authToken) &&
      c.req.path.startsWith(`${this.apiPath}/Accounts/${this.options.accountSid}/`);
    if (!ok) return twilioError(c, new FakeApiError(401, 20003, 'Authenticate'));
    const refused = this.options.rules?.refuse?.(this.requests.at(-1)!);
    if (refused) return twilioError(c, refused);
    await next();
  }

  private callRoutes(app: Hono<FakeEnv>, account: string): void {
    app.post(`${account}/Calls.json`, (c) => {
      const form = formOf(c);
      const [to, from, url] = [form.get('To'), form.get('From'), form.get('Url')];
      if (!to) throw new FakeApiError(400, 21201, "No 'To' number is specified");
      if (!from) throw new FakeApiError(400, 21603, "A 'From' phone number is required.");
      // An inline document (Twiml) stands for Url; a test reads it from `requests` and runs it.
      if (!url && !form.get('Twiml')) throw new FakeApiError(400, 21205, 'Url parameter is required.');
      const call = this.state.createCall({
        to,
        from,
        url: url ?? '',
        statusCallback: form.get('StatusCallback'),
        statusCallbackEvents: form.getAll('StatusCallbackEvent'),
        timeoutSeconds: Number(form.get('Timeout') ?? 60),
      });
      return c.json(callResource(call, this.options.accountSid), 201);
    });

    app.get(`${account}/Calls/:file`, (c) => {
      const sid = c.req.param('file').replace(/\.json$/, '');
      const call = this.state.calls.get(sid);
      if (!call) throw new FakeApiError(404, 20404, 'The requested resource was not found');
      return c.json(callResource(call, this.options.accountSid));
    });

    app.post(`${account}/Calls/:file`, (c) => {
      const sid = c.req.param('file').replace(/\.json$/, '');
      const form = formOf(c);
      const call = this.state.updateCall(sid, {
        status: form.get('Status') ?? undefined,
        url: form.get('Url') ?? undefined,
      });
      return c.json(callResource(call, this.options.accountSid));
    });
  }

  private conferenceRoutes(app: Hono<FakeEnv>, account: string): void {
    const sid = this.options.accountSid;
    const json = (file: string) => file.replace(/\.json$/, '');
    const joined = this.options.rules?.participantJoined;
    const participantResource = (conference: FakeConference, participant: FakeParticipant) => {
      const shown = participantResourceOf(conference, participant, sid);
      return joined && shown.status === 'connected' ? { ...shown, status: joined } : shown;
    };

    app.get(`${account}/Conferences.json`, (c) => {
      const name = c.req.query('FriendlyName');
      const status = c.req.query('Status');
      const conferences = [...this.state.conferences.values()].filter(
        (conference) =>
          (name === undefined || conference.friendlyName === name) &&
          (status === undefined || conference.status === status),
      );
      return c.json({ conferences: conferences.map((conference) => conferenceResource(conference, sid)) });
    });

    app.get(`${account}/Conferences/:file`, (c) => {
      const conference = this.state.conferences.get(json(c.req.param('file') ?? ''));
      if (!conference) throw new FakeApiError(404, 20404, 'The requested resource was not found');
      return c.json(conferenceResource(conference, sid));
    });

    app.post(`${account}/Conferences/:file`, (c) => {
      const conferenceSid = json(c.req.param('file') ?? '');
      if (formOf(c).get('Status') !== 'completed') throw new FakeApiError(400, 21218, 'Invalid Status');
      this.state.endConference(conferenceSid);
      return c.json(conferenceResource(this.state.conferences.get(conferenceSid)!, sid));
    });

    app.post(`${account}/Conferences/:conference/Participants.json`, (c) => {
      const form = formOf(c);
      const [to, from] = [form.get('To'), form.get('From')];
      if (!to) throw new FakeApiError(400, 21201, "No 'To' number is specified");
      if (!from) throw new FakeApiError(400, 21603, "A 'From' phone number is required.");
      const conferenceSid = c.req.param('conference');
      const participant = this.state.addParticipant(
        conferenceSid,
        {
          to,
          from,
          statusCallback: form.get('StatusCallback'),
          statusCallbackEvents: form.getAll('StatusCallbackEvent'),
          timeoutSeconds: Number(form.get('Timeout') ?? 60),
        },
        {
          muted: form.get('Muted') === 'true',
          // Twilio's defaults: a participant starts the conference and does not end it.
          startConferenceOnEnter: form.get('StartConferenceOnEnter') !== 'false',
          endConferenceOnExit: form.get('EndConferenceOnExit') === 'true',
        },
      );
      const conference = this.state.liveConference(conferenceSid);
      return c.json(participantResource(conference, participant), 201);
    });

    const participantPath = `${account}/Conferences/:conference/Participants/:file`;
    app.get(participantPath, (c) => {
      const conference = this.state.liveConference(c.req.param('conference') ?? '');
      const participant = this.state.participant(conference.sid, json(c.req.param('file') ?? ''));
      return c.json(participantResource(conference, participant));
    });
    app.post(participantPath, (c) => {
      const conference = this.state.liveConference(c.req.param('conference') ?? '');
      const participant = this.state.updateParticipant(
        conference.sid,
        json(c.req.param('file') ?? ''),
        formOf(c),
      );
      return c.json(participantResource(conference, participant));
    });
    app.delete(participantPath, (c) => {
      this.state.removeParticipant(c.req.param('conference') ?? '', json(c.req.param('file') ?? ''));
      return c.body(null, 204);
    });
  }

  private recordingRoutes(app: Hono<FakeEnv>, account: string): void {
    app.get(`${account}/Recordings/:file`, (c) => {
      const [sid, extension] = c.req.param('file').split('.') as [string, string | undefined];
      const recording = this.state.recording(sid);
      if (extension === 'json')
        return c.json({ sid, call_sid: recording.callSid, duration: String(recording.durationSeconds) });
      if (extension !== 'mp3' && extension !== 'wav')
        throw new FakeApiError(404, 20404, 'The requested resource was not found');
      return c.body(recording.bytes.slice().buffer as ArrayBuffer, 200, {
        'content-type': extension === 'mp3' ? 'audio/mpeg' : 'audio/x-wav',
      });
    });

    app.delete(`${account}/Recordings/:file`, (c) => {
      const sid = c.req.param('file').replace(/\.json$/, '');
      this.state.recording(sid).deleted = true;
      return c.body(null, 204);
    });
  }
}
