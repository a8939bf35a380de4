import { randomBytes } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { LoopbackServer } from '../../telephony/loopback-server.js';

/**
 * A local stand-in for Twilio's Messages API (create a message; fetch and delete a message's
 * media), on 127.0.0.1 only. It checks basic auth like Twilio, enforces WhatsApp's 24-hour
 * window from the inbound messages it was told of, records every request, and can be told to
 * fail or to be slow. The simulated carrier's texting contacts receive the hotline's replies
 * from it (so it is product, like the fake voice API); tests use it as the Twilio and (with
 * `apiPath`) the SignalWire fake.
 */
export interface FakeMessagesApiOptions {
  accountSid: string;
  authToken: string;
  /** '/2010-04-01' (Twilio, default) or '/api/laml/2010-04-01' (SignalWire). */
  apiPath?: string;
  /** Message sids: Twilio's "SM" + 32 hex (default) or SignalWire's UUIDs. */
  idStyle?: 'twilio' | 'uuid';
}

/** A message the hotline sent through the API. */
export interface FakeSentMessage {
  sid: string;
  /** As sent on the wire ("whatsapp:+1…" on WhatsApp). */
  to: string;
  from: string;
  body: string | null;
  contentSid: string | null;
  statusCallback: string | null;
  at: Date;
}

export interface FakeMedia {
  sid: string;
  messageSid: string;
  bytes: Uint8Array;
  contentType: string;
  deleted: boolean;
}

interface FaultRule {
  method?: string;
  pathIncludes?: string;
  times: number;
}

const WINDOW_MS = 24 * 60 * 60 * 1000;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

type FakeEnv = { Variables: { form: URLSearchParams } };

function basicAuth(header: string | undefined): { username: string; password: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const twilioError = (c: Context, status: number, code: number, message: string) =>
  c.json({ code, message, status }, status as 400);

export class FakeMessagesApi {
  readonly sent: FakeSentMessage[] = [];
  readonly media = new Map<string, FakeMedia>();
  readonly requests: { method: string; path: string }[] = [];
  readonly apiPath: string;
  readonly app: Hono<FakeEnv>;
  /** Last inbound message per "contact|hotline" wire address pair, for WhatsApp's window. */
  private readonly lastInbound = new Map<string, Date>();
  private readonly listeners = new Set<(message: FakeSentMessage) => void>();
  private failures: (FaultRule & { status: number; code: number })[] = [];
  private delays: (FaultRule & { ms: number })[] = [];
  private readonly loopback = new LoopbackServer('the fake Messages API');
  /** The clock the window is judged by; tests move it. */
  now: () => Date = () => new Date();

  constructor(private readonly options: FakeMessagesApiOptions) {
    this.apiPath = options.apiPath ?? '/2010-04-01';
    this.app = this.routes();
  }

  static async start(options: FakeMessagesApiOptions): Promise<FakeMessagesApi> {
    const fake = new FakeMessagesApi(options);
    await fake.loopback.listen(fake.app.fetch);
    return fake;
  }

  get baseUrl(): string {
    return this.loopback.origin;
  }

  close(): Promise<void> {
    return this.loopback.close();
  }

  private newSid(prefix: string): string {
    if (this.options.idStyle === 'uuid') return crypto.randomUUID();
    return `${prefix}${hex(16)}`;
  }

  /** A fresh message id for a contact's message (the carrier puts it in the webhook). */
  newMessageSid(withMedia = false): string {
    return this.newSid(withMedia ? 'MM' : 'SM');
  }

  /** The contact wrote to the hotline: WhatsApp's 24-hour window opens for replies to them. */
  noteInbound(from: string, to: string, at: Date = this.now()): void {
    this.lastInbound.set(`${from}|${to}`, at);
  }

  /** Holds a media file for an inbound message; returns its URL (what the webhook announces). */
  addMedia(messageSid: string, bytes: Uint8Array, contentType: string): string {
    const sid = `ME${hex(16)}`;
    this.media.set(sid, { sid, messageSid, bytes, contentType, deleted: false });
    return `${this.baseUrl}${this.apiPath}/Accounts/${this.options.accountSid}/Messages/${messageSid}/Media/${sid}`;
  }

  /** Hears every message the hotline sends (the simulated contacts' phones). */
  onSent(listener: (message: FakeSentMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next matching request(s) fail with this status and Twilio error code. */
  failNext(rule: {
    status: number;
    code?: number;
    method?: string;
    pathIncludes?: string;
    times?: number;
  }): void {
    this.failures.push({ code: 20500, times: 1, ...rule });
  }

  /** The next matching request(s) wait `ms` first. */
  delayNext(rule: { ms: number; method?: string; pathIncludes?: string; times?: number }): void {
    this.delays.push({ times: 1, ...rule });
  }

  clearFaults(): void {
    this.failures = [];
    this.delays = [];
  }

  private take<T extends FaultRule>(rules: T[], method: string, path: string): T | undefined {
    const rule = rules.find(
      (r) =>
        r.times > 0 &&
        (!r.method || r.method === method) &&
        (!r.pathIncludes || path.includes(r.pathIncludes)),
    );
    if (rule) rule.times -= 1;
    return rule;
  }

  private routes(): Hono<FakeEnv> {
    const app = new Hono<FakeEnv>();
    const account = `${this.apiPath}/Accounts/:account`;
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      this.requests.push({ method: c.req.method, path });
      c.set(
        'form',
        c.req.method === 'POST' ? new URLSearchParams(await c.req.text()) : new URLSearchParams(),
      );
      const delay = this.take(this.delays, c.req.method, path);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms).unref());
      const failure = this.take(this.failures, c.req.method, path);
      if (failure) return twilioError(c, failure.status, failure.code, 'Injected failure');
      const auth = basicAuth(c.req.header('authorization'));
      const ok =
        auth !== null &&
        constantTimeEqualText(auth.username, this.options.accountSid) &&
        constantTimeEqualText(auth.password, this.options.authToken) &&
        path.startsWith(`${this.apiPath}/Accounts/${this.options.accountSid}/`);
      if (!ok) return twilioError(c, 401, 20003, 'Authenticate');
      await next();
    });

    app.post(`${account}/Messages.json`, (c) => this.create(c));

    app.get(`${account}/Messages/:message/Media/:media`, (c) => {
      const media = this.media.get(c.req.param('media'));
      if (!media || media.deleted || media.messageSid !== c.req.param('message'))
        return twilioError(c, 404, 20404, 'The requested resource was not found');
      return c.body(media.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': media.contentType });
    });

    app.delete(`${account}/Messages/:message/Media/:file`, (c) => {
      const media = this.media.get(c.req.param('file').replace(/\.json$/, ''));
      if (!media || media.deleted) return twilioError(c, 404, 20404, 'The requested resource was not found');
      media.deleted = true;
      return c.body(null, 204);
    });

    app.notFound((c) => twilioError(c, 404, 20404, 'The requested resource was not found'));
    return app;
  }

  private create(c: Context<FakeEnv>): Response {
    const form = c.get('form');
    const [to, from, body, contentSid] = [
      form.get('To'),
      form.get('From'),
      form.get('Body'),
      form.get('ContentSid'),
    ];
    if (!to) return twilioError(c, 400, 21604, "A 'To' phone number is required.");
    if (!from) return twilioError(c, 400, 21603, "A 'From' phone number is required.");
    if (!body && !contentSid) return twilioError(c, 400, 21602, 'Message body is required.');
    if (to.startsWith('whatsapp:') && !contentSid) {
      const last = this.lastInbound.get(`${to}|${from}`);
      if (!last || this.now().getTime() - last.getTime() > WINDOW_MS)
        return twilioError(
          c,
          400,
          63016,
          'Failed to send freeform message because you are outside the allowed window.',
        );
    }
    const message: FakeSentMessage = {
      sid: this.newSid('SM'),
      to,
      from,
      body,
      contentSid,
      statusCallback: form.get('StatusCallback'),
      at: new Date(),
    };
    this.sent.push(message);
    for (const listener of this.listeners) listener(message);
    return c.json(
      { sid: message.sid, status: 'queued', to, from, account_sid: this.options.accountSid },
      201,
    );
  }
}
