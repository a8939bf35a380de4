import { createPublicKey, createVerify, randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyOf, FaultyLoopbackFakeApi } from './loopback-fake-api.js';

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

export class FakeVonageApi extends FaultyLoopbackFakeApi {
  readonly requests: FakeVonageRequest[] = [];
  readonly calls = new Map<string, FakeVonageCall>();
  readonly files = new Map<string, { bytes: Uint8Array; deleted: boolean }>();

  constructor(private readonly app: { applicationId: string; publicKeyPem: string }) {
    super();
  }

  static async start(app: { applicationId: string; publicKeyPem: string }): Promise<FakeVonageApi> {
    const fake = new FakeVonageApi(app);
    await fake.listen(fake.routes());
    return fake;
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

  private routes(): Hono {
    const app = new Hono();
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      const json = bodyOf(await c.req.text());
      const token = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
      let claims: Record<string, unknown> | null = null;
      try {
        claims = token ? verifyRs256(token, this.app.publicKeyPem) : null;
      } catch {
        claims = null;
      }
      this.requests.push({ method: c.req.method, path, claims, json });
      const failure = await this.injectedFailure(c.req.method, path);
      if (failure) return problem(c, failure, 'Injected failure', 'injected by the test');
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
