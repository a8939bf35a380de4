import { randomBytes } from 'node:crypto';
import { constantTimeEqualText } from '@llamenos/crypto';
import { type Context, Hono } from 'hono';
import { LoopbackFakeApi } from './loopback-fake-api.js';

/**
 * A local stand-in for the WhatsApp Cloud API (Meta's Graph API) on 127.0.0.1: send a message
 * (refused with 131047 outside the 24-hour window unless it is a template), media metadata by
 * id naming a CDN URL, the media bytes at that URL (bearer token required there too), and
 * media delete. Requests are recorded; failures and delays can be injected by path.
 */
interface Rule {
  pathIncludes?: string;
  status?: number;
  ms?: number;
  times: number;
}

export interface FakeWhatsAppMedia {
  id: string;
  bytes: Uint8Array;
  mimeType: string;
  deleted: boolean;
}

export class FakeMetaGraphApi extends LoopbackFakeApi {
  readonly sent: { phoneNumberId: string; body: Record<string, unknown>; id: string }[] = [];
  readonly media = new Map<string, FakeWhatsAppMedia>();
  readonly requests: { method: string; path: string }[] = [];
  /** Contacts (wa ids, no "+") who wrote in the last 24 hours. */
  readonly window = new Set<string>();
  private rules: Rule[] = [];

  constructor(private readonly accessToken: string) {
    super();
  }

  static async start(accessToken: string): Promise<FakeMetaGraphApi> {
    const fake = new FakeMetaGraphApi(accessToken);
    await fake.listen(fake.routes());
    return fake;
  }

  failNext(rule: { pathIncludes?: string; status: number; times?: number }): void {
    this.rules.push({ times: 1, ...rule });
  }

  delayNext(rule: { pathIncludes?: string; ms: number; times?: number }): void {
    this.rules.push({ times: 1, ...rule });
  }

  addMedia(bytes: Uint8Array, mimeType: string): string {
    const id = String(10 ** 15 + Math.floor(Math.random() * 10 ** 14));
    this.media.set(id, { id, bytes, mimeType, deleted: false });
    return id;
  }

  private routes(): Hono {
    const app = new Hono();
    const error = (c: Context, status: number, code: number, message: string) =>
      c.json({ error: { message, type: 'OAuthException', code } }, status as 400);
    app.use('*', async (c, next) => {
      const path = new URL(c.req.url).pathname + new URL(c.req.url).search;
      this.requests.push({ method: c.req.method, path });
      const rule = this.rules.find((r) => r.times > 0 && (!r.pathIncludes || path.includes(r.pathIncludes)));
      if (rule) {
        rule.times -= 1;
        if (rule.ms) await new Promise((resolve) => setTimeout(resolve, rule.ms).unref());
        if (rule.status) return error(c, rule.status, 1, 'Injected failure');
      }
      const auth = c.req.header('authorization') ?? '';
      if (!constantTimeEqualText(auth, `Bearer ${this.accessToken}`))
        return error(c, 401, 190, 'Invalid OAuth access token');
      await next();
    });
    app.post('/v21.0/:phone/messages', async (c) => {
      const body = (await c.req.json()) as Record<string, unknown>;
      if (body.messaging_product !== 'whatsapp' || typeof body.to !== 'string')
        return error(c, 400, 100, 'Invalid parameter');
      if (body.type !== 'template' && !this.window.has(body.to))
        return error(c, 400, 131047, 'Re-engagement message');
      const id = `wamid.${randomBytes(12).toString('base64url')}`;
      this.sent.push({ phoneNumberId: c.req.param('phone'), body, id });
      return c.json({ messaging_product: 'whatsapp', contacts: [{ wa_id: body.to }], messages: [{ id }] });
    });
    app.get('/v21.0/:media', (c) => {
      const media = this.media.get(c.req.param('media'));
      if (!media || media.deleted) return error(c, 404, 100, 'Unsupported get request');
      return c.json({
        url: `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${media.id}`,
        mime_type: media.mimeType,
        id: media.id,
      });
    });
    app.delete('/v21.0/:media', (c) => {
      const media = this.media.get(c.req.param('media'));
      if (!media || media.deleted) return error(c, 404, 100, 'Unsupported delete request');
      media.deleted = true;
      return c.json({ success: true });
    });
    app.get('/whatsapp_business/attachments/', (c) => {
      const media = this.media.get(c.req.query('mid') ?? '');
      if (!media || media.deleted) return c.text('not found', 404);
      return c.body(media.bytes.slice().buffer as ArrayBuffer, 200, { 'content-type': media.mimeType });
    });
    return app;
  }
}
