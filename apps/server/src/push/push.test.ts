import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer, waitFor } from '../../test/calls-helpers.js';
import { testConfig } from '../../test/helpers.js';
import { endpointRefusal } from './endpoint.js';

/**
 * Web Push end to end: a volunteer's browser (played here by a P-256 key pair and an auth
 * secret, as PushManager makes them) subscribes; a call rings; a fake push service on loopback
 * records what the server sends. The test decrypts the body itself (RFC 8291) to prove it
 * carries only the kind of notice and a time, and checks the VAPID JWT (RFC 8292).
 */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface FakePushService {
  url: string;
  received: Received[];
  answer: { status: number };
  close(): Promise<void>;
}

async function startFakePushService(): Promise<FakePushService> {
  const received: Received[] = [];
  const answer = { status: 201 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What a browser's PushManager holds for one subscription. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16) };
}

/** RFC 8291 (aes128gcm, RFC 8188 framing, one record) decryption, as the browser does it. */
function decryptPush(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const ecdhSecret = keys.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(-16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  expect(padded.subarray(end + 1).every((b) => b === 0)).toBe(true);
  return padded.subarray(0, end).toString('utf8');
}

/** Checks `vapid t=<jwt>, k=<public key>`: an ES256 JWT for the push service's origin, signed by k. */
function checkVapid(authorization: string, audience: string): { publicKey: string; sub: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization);
  expect(match, authorization).not.toBeNull();
  const [, jwt, k] = match!;
  const [header, claims, signature] = jwt!.split('.');
  expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'ES256' });
  const body = JSON.parse(Buffer.from(claims!, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  expect(body.aud).toBe(audience);
  const now = Date.now() / 1000;
  expect(body.exp).toBeGreaterThan(now);
  expect(body.exp).toBeLessThanOrEqual(now + 24 * 3600);
  const point = Buffer.from(k!, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature!, 'base64url'),
  );
  expect(signed).toBe(true);
  return { publicKey: k!, sub: body.sub };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

async function setUp() {
  const push = await startFakePushService();
  cleanups.push(push.close);
  const s: CallServer = await startCallServer();
  cleanups.push(s.close);
  const volunteer = await s.addUser(['volunteer'], { preference: 'browser', name: 'Zelda Quartermain' });
  await s.putOnShift([volunteer.id]);
  const keys = browserKeys();
  const vapid = await s.request('GET', '/api/push/vapid-key', { as: volunteer });
  expect(vapid.status, s.logs.filter((l) => l.includes('error')).join('\n')).toBe(200);
  const { publicKey } = (await vapid.json()) as { publicKey: string };
  const subscribed = await s.request('POST', '/api/push/subscriptions', {
    as: volunteer,
    body: {
      endpoint: `${push.url}/send/device-1`,
      expirationTime: null,
      keys: { p256dh: keys.p256dh, auth: keys.auth.toString('base64url') },
    },
  });
  expect(subscribed.status).toBe(201);
  const { id } = (await subscribed.json()) as { id: string };
  return { push, s, volunteer, keys, publicKey, subscriptionId: id };
}

const subscriptionCount = async (s: CallServer) =>
  Number((await s.db.query<{ n: number }>('select count(*)::int as n from push_subscriptions'))[0]!.n);

describe('Web Push for a ringing call', () => {
  it('reaches the push service aes128gcm-encrypted, VAPID-signed, carrying only {type, at}', async () => {
    const { push, s, keys, publicKey } = await setUp();
    const caller = fakeCaller();
    const before = Date.now();
    await s.carrier.placeCall({ from: caller, to: s.hotline });
    const [sent] = await waitFor(() => (push.received.length ? push.received : null), 'a push');
    await s.settle();
    expect(push.received).toHaveLength(1);

    expect(sent!.path).toBe('/send/device-1');
    expect(sent!.headers['content-encoding']).toBe('aes128gcm');
    expect(sent!.headers['content-type']).toBe('application/octet-stream');
    expect(sent!.headers.ttl).toBe('60');
    expect(sent!.headers.urgency).toBe('high');
    const vapid = checkVapid(String(sent!.headers.authorization), push.url);
    expect(vapid.publicKey).toBe(publicKey);
    expect(vapid.sub).toMatch(/^(mailto:|https:)/);

    // The body is ciphertext: no digits of the caller, no name, in the clear.
    const raw = sent!.body.toString('latin1');
    expect(raw).not.toContain(caller.slice(-4));
    expect(raw).not.toContain('Zelda');
    const plaintext = decryptPush(sent!.body, keys);
    const notice = JSON.parse(plaintext) as { type: string; at: number };
    expect(Object.keys(notice).sort()).toEqual(['at', 'type']);
    expect(notice.type).toBe('call');
    expect(notice.at).toBeGreaterThanOrEqual(before - 1000);
    expect(plaintext).not.toContain(caller.slice(-4));
    expect(plaintext).not.toMatch(/Zelda|call-|\+1/);
    // The stored VAPID private key is sealed, not in the clear.
    const [row] = await s.db.query<{ private_key_sealed: string }>(
      'select private_key_sealed from push_vapid',
    );
    expect(row!.private_key_sealed.length).toBeGreaterThan(60);
  });

  for (const status of [404, 410]) {
    it(`deletes the subscription when the push service answers ${status}`, async () => {
      const { push, s } = await setUp();
      push.answer.status = status;
      expect(await subscriptionCount(s)).toBe(1);
      await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
      await waitFor(() => push.received.length, 'a push');
      await waitFor(async () => (await subscriptionCount(s)) === 0, 'the subscription deleted');
      await s.settle();
    });
  }

  it('keeps the subscription when the push service fails otherwise (500)', async () => {
    const { push, s } = await setUp();
    push.answer.status = 500;
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await waitFor(() => push.received.length, 'a push');
    await s.settle();
    expect(await subscriptionCount(s)).toBe(1);
  });

  it('a member removes only their own subscription', async () => {
    const { s, volunteer, subscriptionId } = await setUp();
    const other = await s.addUser(['volunteer']);
    expect(
      (await s.request('DELETE', `/api/push/subscriptions/${subscriptionId}`, { as: other })).status,
    ).toBe(404);
    expect(await subscriptionCount(s)).toBe(1);
    expect(
      (await s.request('DELETE', `/api/push/subscriptions/${subscriptionId}`, { as: volunteer })).status,
    ).toBe(204);
    expect(await subscriptionCount(s)).toBe(0);
  });

  it('keeps at most ten devices per member: an eleventh replaces the oldest', async () => {
    const { s, volunteer, subscriptionId } = await setUp();
    for (let i = 2; i <= 11; i++) {
      const keys = browserKeys();
      const res = await s.request('POST', '/api/push/subscriptions', {
        as: volunteer,
        body: {
          endpoint: `http://127.0.0.1:9/send/device-${i}`,
          keys: { p256dh: keys.p256dh, auth: keys.auth.toString('base64url') },
        },
      });
      expect(res.status).toBe(201);
    }
    expect(await subscriptionCount(s)).toBe(10);
    const ids = (await s.db.query<{ id: string }>('select id from push_subscriptions')).map((r) => r.id);
    expect(ids).not.toContain(subscriptionId);
  });

  it('refuses a malformed subscription with a 400, not a 500', async () => {
    const { s, volunteer } = await setUp();
    for (const body of [
      {},
      { endpoint: 'file:///etc/passwd', keys: { p256dh: 'x'.repeat(87), auth: 'y'.repeat(22) } },
      { endpoint: 'http://127.0.0.1:9/x', keys: { p256dh: 'short', auth: 'y'.repeat(22) } },
      { endpoint: 'http://10.0.0.1/x', keys: { p256dh: 'x'.repeat(87), auth: 'y'.repeat(22) } },
    ]) {
      const res = await s.request('POST', '/api/push/subscriptions', { as: volunteer, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('push endpoint rule (SSRF)', () => {
  const production = { isProduction: true };
  const development = { isProduction: false };

  it('in production, accepts only https to a known push service on the default port', () => {
    expect(endpointRefusal('https://fcm.googleapis.com/fcm/send/abc', production)).toBeNull();
    expect(endpointRefusal('https://updates.push.services.mozilla.com/wpush/v2/abc', production)).toBeNull();
    expect(endpointRefusal('https://web.push.apple.com/abc', production)).toBeNull();
    expect(endpointRefusal('https://wns2-par02p.notify.windows.com/w/?token=abc', production)).toBeNull();
    for (const refused of [
      'http://127.0.0.1:9000/send',
      'http://fcm.googleapis.com/fcm/send/abc',
      'https://fcm.googleapis.com:8443/fcm/send/abc',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://localhost/x',
      'https://user:pw@fcm.googleapis.com/x',
      'https://fcm.googleapis.com.evil.example/x',
      'https://evilfcm.googleapis.com.example/x',
      'https://internal.example/admin',
      'not a url',
    ])
      expect(endpointRefusal(refused, production), refused).not.toBeNull();
  });

  it('outside production, also accepts loopback (the tests’ fake push service), nothing else private', () => {
    expect(endpointRefusal('http://127.0.0.1:9000/send', development)).toBeNull();
    expect(endpointRefusal('http://localhost:9000/send', development)).toBeNull();
    expect(endpointRefusal('http://10.0.0.1/send', development)).not.toBeNull();
    expect(endpointRefusal('http://169.254.169.254/latest', development)).not.toBeNull();
  });

  it('the configuration says which: LLAMENOS_ENV=test is not production', () => {
    expect(testConfig().isProduction).toBe(false);
  });
});
