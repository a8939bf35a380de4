/**
 * The URL a signature is checked against comes from PUBLIC_URL and the raw request target,
 * never from the Host header; tested over real HTTP, since that is where Host can be forged.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioAdapter } from './twilio/adapter.js';
import { twilioSignature } from './twilio/signature.js';
import { publicUrlOf, readWebhookRequest } from './webhook-request.js';

const PUBLIC = 'https://hotline.example';
const TOKEN = 'tok-0123456789abcdef';
const adapter = createTwilioAdapter({ accountSid: `AC${'1'.repeat(32)}`, authToken: TOKEN });

let server: ServerType;
let port: number;

beforeAll(async () => {
  const app = new Hono();
  app.post('/api/telephony/twilio/*', async (c) => {
    const webhook = await readWebhookRequest(c, PUBLIC);
    return c.json({ publicUrl: webhook.publicUrl, verified: adapter.verifyWebhook(webhook) });
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(target: string, body: string, headers: Record<string, string>) {
  return new Promise<{ publicUrl: string; verified: boolean }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk) => {
          data += chunk;
        });
        res.on('end', () => resolve(JSON.parse(data)));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const PARAMS: [string, string][] = [
  ['CallSid', `CA${'a'.repeat(32)}`],
  ['From', '+15551230001'],
  ['To', '+15559870002'],
];
const BODY = new URLSearchParams(PARAMS).toString();

describe('readWebhookRequest', () => {
  it('builds the URL from PUBLIC_URL whatever the Host header says', async () => {
    const target = '/api/telephony/twilio/voice?call=1';
    const signature = twilioSignature(TOKEN, `${PUBLIC}${target}`, PARAMS);
    const result = await send(target, BODY, { host: 'evil.example', 'x-twilio-signature': signature });
    expect(result).toEqual({ publicUrl: `${PUBLIC}${target}`, verified: true });
  });

  it('a signature made for the forged host does not verify', async () => {
    const target = '/api/telephony/twilio/voice?call=1';
    const signature = twilioSignature(TOKEN, `http://evil.example${target}`, PARAMS);
    const result = await send(target, BODY, { host: 'evil.example', 'x-twilio-signature': signature });
    expect(result.verified).toBe(false);
  });

  it('keeps the request target exactly as sent (no re-encoding of the query)', async () => {
    const target = "/api/telephony/twilio/voice?name=O'Brien&x=%7E";
    const signature = twilioSignature(TOKEN, `${PUBLIC}${target}`, PARAMS);
    const result = await send(target, BODY, { 'x-twilio-signature': signature });
    expect(result).toEqual({ publicUrl: `${PUBLIC}${target}`, verified: true });
  });

  it('publicUrlOf joins without doubling slashes and refuses a target without "/"', () => {
    expect(publicUrlOf('https://h.example/', '/a?b=1')).toBe('https://h.example/a?b=1');
    expect(() => publicUrlOf('https://h.example', 'http://evil.example/a')).toThrow();
  });
});
