import { createPublicKey, createVerify, randomUUID } from 'node:crypto';
import type { ServerType } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { closeLoopbackServer, listenOnLoopback } from '../../src/telephony/loopback-server.js';

/**
 * A local stand-in for the Vonage Voice API on 127.0.0.1: calls (create, read, hangup,
 * transfer) and recording files (download, delete). It records every request, and checks each
 * one's Authorization like Vonage: an RS256 JWT verified with the application's public key,
 * naming our application, with iat/exp/jti present. Faults can be injected.
 */
export interface FakeVonageRequest {
  method: string;
  path: string;
  /** The verified token's claims, or null when the token was missing or bad. */
  claims: Record<string, unknown> | null;
  json: unknown;
}

export interface FakeVonageCall {
  uuid: string;
  status: string;
  body: Record<string, unknown>;
  transfers: unknown[];
}

interface Rule {
  status: number;
  ms?: number;
  method?: string;
  pathIncludes?: string;
  times: number;
}

function verifyRs256(token: string, publicKeyPem: string): Record<string, unknown> | null {
  const [header, claims, signature] = token.split('.');
  if (!header || !claims || !signature) return null;
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
  if (parsedHeader.alg !== 'RS256') return null;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${claims}`);
  if (!verifier.verify(createPublicKey(publicKeyPem), Buffer.from(signature, 'base64url'))) return null;
  return JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
}

const problem = (c: Context, status: number, title: string, detail: string) =>
  c.json({ type: `https://developer.nexmo.com/api-errors#${status}`, title, detail }, status as 400);

export class FakeVonageApi {
  readonly requests: FakeVonageRequest[] = [];
  readonly calls = new Map<string, FakeVonageCall>();
  readonly files = new Map<string, { bytes: Uint8Array; deleted: boolean }>();
  private rules: { fail: Rule[]; delay: Rule[] } = { fail: [], delay: [] };
  private server: ServerType | null = null;
  private origin = '';

  constructor(private readonly app: { applicationId: string; publicKeyPem: string }) {}

  static async start(app: { applicationId: string; publicKeyPem: string }): Promise<FakeVonageApi> {
    const fake = new FakeVonageApi(app);
    ({ server: fake.server, origin: fake.origin } = await listenOnLoopback(fake.routes().fetch));
    return fake;
  }

  get baseUrl(): string {
    return this.origin;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    await closeLoopbackServer(server);
  }

  failNext(rule: Omit<Rule, 'times'> & { times?: number }): void {
    this.rules.fail.push({ times: 1, ...rule });
  }
  delayNext(rule: Omit<Rule, 'times' | 'status'> & { ms: number; times?: number }): void {
    this.rules.delay.push({ status: 0, times: 1, ...rule });
  }
  clearFaults(): void {
    this.rules = { fail: [], delay: [] };
  }

  addCall(status: string): FakeVonageCall {
    const call = { uuid: randomUUID(), status, body: {}, transfers: [] };
    this.calls.set(call.uuid, call);
    return call;
  }
  addFile(bytes: Uint8Array): string {
    const id = randomUUID();
    this.files.set(id, { bytes, deleted: false });
    return id;
  }

  private take(rules: Rule[], method: string, path: string): Rule | undefined {
    const rule = rules.find(
      (r) =>
        r.times > 0 &&
        (!r.method || r.method === method) &&
        (!r.pathIncludes || path.includes(r.pathIncludes)),
    );
    if (rule) rule.times -= 1;
    return rule;
  }

  private routes(): Hono {
    const app = new Hono();
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      const text = await c.req.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      const token = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      let claims: Record<string, unknown> | null = null;
      try {
        claims = token ? verifyRs256(token, this.app.publicKeyPem) : null;
      } catch {
        claims = null;
      }
      this.requests.push({ method: c.req.method, path, claims, json });
      const delay = this.take(this.rules.delay, c.req.method, path);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms).unref());
      const failure = this.take(this.rules.fail, c.req.method, path);
      if (failure) return problem(c, failure.status, 'Injected failure', 'injected by the test');
      const now = Date.now() / 1000;
      const valid =
        claims !== null &&
        claims.application_id === this.app.applicationId &&
        typeof claims.jti === 'string' &&
        typeof claims.iat === 'number' &&
        typeof claims.exp === 'number' &&
        claims.exp > now;
      if (!valid) return problem(c, 401, 'Invalid Token', 'the token is missing, expired or not ours');
      c.set('json' as never, json as never);
      await next();
    });

    app.post('/v1/calls', (c) => {
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      if (!Array.isArray(body.to) || !body.from || !Array.isArray(body.answer_url))
        return problem(c, 400, 'Bad Request', 'to, from and answer_url are required');
      const call = this.addCall('started');
      call.body = body;
      return c.json(
        {
          uuid: call.uuid,
          status: 'started',
          direction: 'outbound',
          conversation_uuid: `CON-${randomUUID()}`,
        },
        201,
      );
    });
    app.get('/v1/calls/:uuid', (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (!call) return problem(c, 404, 'Not Found', 'no such call');
      return c.json({ uuid: call.uuid, status: call.status });
    });
    app.put('/v1/calls/:uuid', (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (!call) return problem(c, 404, 'Not Found', 'no such call');
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      const live = ['started', 'ringing', 'answered'].includes(call.status);
      if (!live) return problem(c, 400, 'Bad Request', 'the call is not active');
      if (body.action === 'hangup') call.status = call.status === 'answered' ? 'completed' : 'cancelled';
      else if (body.action === 'transfer') call.transfers.push(body.destination);
      else return problem(c, 400, 'Bad Request', 'unknown action');
      return c.body(null, 204);
    });
    app.get('/v1/files/:id', (c) => {
      const file = this.files.get(c.req.param('id'));
      if (!file || file.deleted) return problem(c, 404, 'Not Found', 'no such file');
      return c.body(file.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'audio/mpeg' });
    });
    app.delete('/v1/files/:id', (c) => {
      const file = this.files.get(c.req.param('id'));
      if (!file || file.deleted) return problem(c, 404, 'Not Found', 'no such file');
      file.deleted = true;
      return c.body(null, 204);
    });
    app.notFound((c) => problem(c, 404, 'Not Found', 'no such resource'));
    return app;
  }
}
