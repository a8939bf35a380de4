import { randomUUID } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { bodyOf, FaultyLoopbackFakeApi } from './loopback-fake-api.js';

/**
 * A local stand-in for Plivo's v1 REST API on 127.0.0.1: Call create / hang up / transfer,
 * Request cancel, Recording details / file / delete. Basic auth is checked like Plivo (auth id
 * and token, and the path's account must be the auth id). Every request is recorded; failures
 * and delays can be injected.
 */
export interface FakePlivoRequest {
  method: string;
  path: string;
  auth: { username: string; password: string } | null;
  json: unknown;
}

export interface FakePlivoCall {
  uuid: string;
  /** 'ringing' (a request) → 'in-progress' (a call) → 'completed' | 'canceled'. */
  state: 'ringing' | 'in-progress' | 'completed' | 'canceled';
  body: Record<string, unknown>;
  transfers: unknown[];
}

function basicAuth(header: string | undefined): FakePlivoRequest['auth'] {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const error = (c: Context, status: number, message: string) =>
  c.json({ api_id: randomUUID(), error: message }, status as 400);

export class FakePlivoApi extends FaultyLoopbackFakeApi {
  readonly requests: FakePlivoRequest[] = [];
  readonly calls = new Map<string, FakePlivoCall>();
  readonly recordings = new Map<string, { bytes: Uint8Array; deleted: boolean; url?: string }>();

  constructor(private readonly account: { authId: string; authToken: string }) {
    super();
  }

  static async start(account: { authId: string; authToken: string }): Promise<FakePlivoApi> {
    const fake = new FakePlivoApi(account);
    await fake.listen(fake.routes());
    return fake;
  }

  addCall(state: FakePlivoCall['state']): FakePlivoCall {
    const call: FakePlivoCall = { uuid: randomUUID(), state, body: {}, transfers: [] };
    this.calls.set(call.uuid, call);
    return call;
  }

  /** A recording; `url` overrides the file URL its details give (to test the host check). */
  addRecording(bytes: Uint8Array, url?: string): string {
    const id = randomUUID();
    this.recordings.set(id, { bytes, deleted: false, url });
    return id;
  }

  private routes(): Hono {
    const app = new Hono();
    const account = `/v1/Account/${this.account.authId}`;
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname;
      const json = bodyOf(await c.req.text());
      const auth = basicAuth(c.req.header('authorization'));
      this.requests.push({ method: c.req.method, path, auth, json });
      const failure = await this.injectedFailure(c.req.method, path);
      if (failure) return error(c, failure, 'injected failure');
      const ok =
        auth !== null &&
        constantTimeEqualText(auth.username, this.account.authId) &&
        constantTimeEqualText(auth.password, this.account.authToken) &&
        (path.startsWith(`${account}/`) || path.startsWith('/media/'));
      if (!ok) return error(c, 401, 'Authentication credentials invalid');
      c.set('json' as never, json as never);
      await next();
    });

    app.post(`${account}/Call/`, (c) => {
      const body = (c.get('json' as never) ?? {}) as Record<string, unknown>;
      if (!body.from || !body.to || !body.answer_url)
        return error(c, 400, 'from, to and answer_url are required');
      const call = this.addCall('ringing');
      call.body = body;
      return c.json({ api_id: randomUUID(), message: 'call fired', request_uuid: call.uuid }, 201);
    });
    app.delete(`${account}/Request/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'ringing') return error(c, 404, 'not found');
      call.state = 'canceled';
      return c.body(null, 204);
    });
    app.delete(`${account}/Call/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'in-progress') return error(c, 404, 'not found');
      call.state = 'completed';
      return c.body(null, 204);
    });
    app.post(`${account}/Call/:uuid/`, (c) => {
      const call = this.calls.get(c.req.param('uuid'));
      if (call?.state !== 'in-progress') return error(c, 404, 'not found');
      call.transfers.push(c.get('json' as never));
      return c.json({ api_id: randomUUID(), message: 'call transferred' }, 202);
    });
    app.get(`${account}/Recording/:id/`, (c) => {
      const id = c.req.param('id');
      const recording = this.recordings.get(id);
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      const url = recording.url ?? `https://media.plivo.com/media/${this.account.authId}/Recording/${id}.mp3`;
      return c.json({ api_id: randomUUID(), recording_id: id, recording_url: url, recording_format: 'mp3' });
    });
    app.delete(`${account}/Recording/:id/`, (c) => {
      const recording = this.recordings.get(c.req.param('id'));
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      recording.deleted = true;
      return c.body(null, 204);
    });
    app.get('/media/:account/Recording/:file', (c) => {
      const id = c.req.param('file').replace(/\.mp3$/, '');
      const recording = this.recordings.get(id);
      if (!recording || recording.deleted) return error(c, 404, 'not found');
      return c.body(recording.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'audio/mpeg' });
    });
    app.notFound((c) => error(c, 404, 'not found'));
    return app;
  }
}
