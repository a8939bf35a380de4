import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { LoopbackFakeApi } from './loopback-fake-api.js';

/**
 * Local stand-ins for the send side of Plivo's Message API (POST /v1/Account/{id}/Message/,
 * MMS media GET/DELETE) and Vonage's Messages API (POST /v1/messages, media under /v3/media),
 * on 127.0.0.1. They record what they receive, check that some authorization is sent (the
 * basic auth pair for Plivo, a bearer token for Vonage), and can fail the next request.
 */
export class FakeSmsApi extends LoopbackFakeApi {
  readonly sent: { path: string; body: Record<string, unknown>; authorization: string | null }[] = [];
  readonly media = new Map<string, { bytes: Uint8Array; deleted: boolean }>();
  private failures = 0;

  constructor(private readonly expectedAuthorization: (header: string) => boolean) {
    super();
  }

  static async start(expectedAuthorization: (header: string) => boolean): Promise<FakeSmsApi> {
    const fake = new FakeSmsApi(expectedAuthorization);
    await fake.listen(fake.routes());
    return fake;
  }

  failNext(times = 1): void {
    this.failures += times;
  }

  /** Media at `path` on this host (a Plivo or Vonage media path); returns its URL. */
  addMedia(path: string, bytes: Uint8Array): string {
    this.media.set(path, { bytes, deleted: false });
    return `${this.baseUrl}${path}`;
  }

  private routes(): Hono {
    const app = new Hono();
    app.use('*', async (c, next) => {
      if (this.failures > 0) {
        this.failures -= 1;
        return c.json({ error: 'injected failure' }, 500);
      }
      if (!this.expectedAuthorization(c.req.header('authorization') ?? ''))
        return c.json({ error: 'unauthorized' }, 401);
      await next();
    });
    app.post('/v1/Account/:id/Message/', async (c) => {
      const body = (await c.req.json()) as Record<string, unknown>;
      this.sent.push({ path: c.req.path, body, authorization: c.req.header('authorization') ?? null });
      return c.json(
        { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [randomUUID()] },
        202,
      );
    });
    app.post('/v1/messages', async (c) => {
      const body = (await c.req.json()) as Record<string, unknown>;
      this.sent.push({ path: c.req.path, body, authorization: c.req.header('authorization') ?? null });
      return c.json({ message_uuid: randomUUID() }, 202);
    });
    app.on(['GET', 'DELETE'], '*', (c) => {
      const key = c.req.path.replace(/\/$/, '');
      const media = this.media.get(key) ?? this.media.get(`${key}/`);
      if (!media || media.deleted) return c.json({ error: 'not found' }, 404);
      if (c.req.method === 'DELETE') {
        media.deleted = true;
        return c.body(null, 204);
      }
      return c.body(media.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': 'image/png' });
    });
    return app;
  }
}
