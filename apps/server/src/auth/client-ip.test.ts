import { randomBytes } from 'node:crypto';
import { generateSecretKey, hashIp } from '@llamenos/crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, testConfig } from '../../test/helpers.js';
import { ConfigError } from '../config.js';
import { issueBootstrapLink } from '../identity/bootstrap.js';
import { RATE_LIMITS } from '../rate-limit/service.js';
import { clientIp } from './client-ip.js';

/** What Hono's Node adapter hands the app for a request that came from `peer` (getConnInfo reads it). */
const fromPeer = (peer: string) => ({ incoming: { socket: { remoteAddress: peer } } });
const randomIp = () => [...randomBytes(4)].join('.');
const REAL = '203.0.113.7';

/** The client address the app sees, for a request from `peer` with this X-Forwarded-For. */
function seenAs(env: Record<string, string>) {
  const { TRUST_PROXY: trust } = testConfig(env);
  const app = new Hono();
  app.get('/', (c) => c.text(clientIp(c, trust)));
  return async (peer: string | null, forwarded?: string) => {
    const headers: Record<string, string> = forwarded === undefined ? {} : { 'x-forwarded-for': forwarded };
    const res = await app.request('/', { headers }, peer ? fromPeer(peer) : undefined);
    return res.text();
  };
}

describe('client address without a proxy', () => {
  const seen = seenAs({});
  it('is the socket peer; X-Forwarded-For is ignored', async () => {
    expect(await seen('198.51.100.4', '127.0.0.1')).toBe('198.51.100.4');
    expect(await seen(null, '127.0.0.1')).toBe('unknown');
  });
});

describe('client address behind one trusted proxy (TRUST_PROXY=true)', () => {
  const seen = seenAs({ TRUST_PROXY: 'true' });
  it('is the right-most entry: the one the proxy appended', async () => {
    expect(await seen('127.0.0.1', REAL)).toBe(REAL);
    expect(await seen('127.0.0.1', `${randomIp()}, ${REAL}`)).toBe(REAL);
    expect(await seen('127.0.0.1', `127.0.0.1, ${REAL}`)).toBe(REAL);
    expect(await seen('127.0.0.1', `${REAL},127.0.0.1`)).toBe('127.0.0.1'); // the proxy saw loopback
    expect(await seen('127.0.0.1', ` 2001:DB8::1 `)).toBe('2001:db8::1');
  });

  it('never falls back to a value the client chose, nor to the proxy address', async () => {
    expect(await seen('127.0.0.1')).toBe('unknown'); // proxy sent no header
    expect(await seen('127.0.0.1', '')).toBe('unknown');
    expect(await seen('127.0.0.1', '127.0.0.1, not-an-ip')).toBe('unknown');
    expect(await seen('127.0.0.1', `127.0.0.1, ${REAL}:443`)).toBe('unknown');
    expect(await seen('127.0.0.1', '127.0.0.1,')).toBe('unknown');
  });
});

describe('client address behind a chain of proxies (TRUST_PROXY_HOPS)', () => {
  const seen = seenAs({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' });
  it('skips the entries the trusted hops appended', async () => {
    // client → CDN (appends the client) → nginx (appends the CDN) → server
    expect(await seen('127.0.0.1', `${REAL}, 192.0.2.10`)).toBe(REAL);
    expect(await seen('127.0.0.1', `127.0.0.1, ${REAL}, 192.0.2.10`)).toBe(REAL);
    expect(await seen('127.0.0.1', '192.0.2.10')).toBe('unknown'); // fewer entries than hops
  });
});

describe('client address behind listed proxies (TRUST_PROXY_ADDRESSES)', () => {
  const seen = seenAs({ TRUST_PROXY: 'true', TRUST_PROXY_ADDRESSES: '10.0.0.0/8, 192.0.2.10, ::1' });
  it('reads the header only when the socket peer is a listed proxy', async () => {
    expect(await seen('10.1.2.3', `127.0.0.1, ${REAL}`)).toBe(REAL);
    expect(await seen('::ffff:10.1.2.3', REAL)).toBe(REAL);
    expect(await seen('::1', REAL)).toBe(REAL);
    // A client that reaches the server directly cannot speak for itself.
    expect(await seen('198.51.100.4', '127.0.0.1')).toBe('198.51.100.4');
    expect(await seen(null, '127.0.0.1')).toBe('unknown');
  });

  it('walks right to left past listed proxies to the first address that is not one', async () => {
    expect(await seen('10.0.0.1', `127.0.0.1, ${REAL}, 192.0.2.10, 10.9.9.9`)).toBe(REAL);
    expect(await seen('10.0.0.1', '10.0.0.5, 192.0.2.10')).toBe('10.0.0.5'); // only proxies: the first
    expect(await seen('10.0.0.1', `${REAL}, junk, 10.0.0.5`)).toBe('unknown');
    expect(await seen('10.0.0.1')).toBe('unknown');
  });
});

describe('proxy configuration is validated', () => {
  const refused = (env: Record<string, string>, message: RegExp) =>
    expect(() => testConfig(env)).toThrow(message);
  it('refuses bad values with a message naming the variable', () => {
    refused({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '0' }, /TRUST_PROXY_HOPS/);
    refused({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: 'two' }, /TRUST_PROXY_HOPS/);
    refused({ TRUST_PROXY: 'true', TRUST_PROXY_ADDRESSES: '10.0.0.0/33' }, /TRUST_PROXY_ADDRESSES/);
    refused({ TRUST_PROXY: 'true', TRUST_PROXY_ADDRESSES: 'proxy.internal' }, /TRUST_PROXY_ADDRESSES/);
    refused({ TRUST_PROXY: 'true', TRUST_PROXY_ADDRESSES: ' , ' }, /TRUST_PROXY_ADDRESSES/);
    refused({ TRUST_PROXY_HOPS: '2' }, /TRUST_PROXY_HOPS.*TRUST_PROXY=true/);
    refused({ TRUST_PROXY_ADDRESSES: '10.0.0.1' }, /TRUST_PROXY_ADDRESSES.*TRUST_PROXY=true/);
    refused(
      { TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2', TRUST_PROXY_ADDRESSES: '10.0.0.1' },
      /either TRUST_PROXY_HOPS or TRUST_PROXY_ADDRESSES/,
    );
    expect(() => testConfig({ TRUST_PROXY_HOPS: '2' })).toThrow(ConfigError);
  });
});

/** Through the whole app: a client that prepends addresses is still one client. */
describe('a forged X-Forwarded-For prefix behind TRUST_PROXY=true', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline({ TRUST_PROXY: 'true', LLAMENOS_ENV: 'development' });
  });
  afterAll(() => h.close());

  const spoofed = () => ({ 'x-forwarded-for': `${randomIp()}, 127.0.0.1, ${REAL}` });

  it('does not escape the sign-in rate limit', async () => {
    let last = 0;
    for (let i = 0; i <= RATE_LIMITS.login.limit; i++)
      last = (await h.request('POST', '/api/auth/login/options', { headers: spoofed() })).status;
    expect(last).toBe(429);
  });

  it('does not escape the invite preview rate limit', async () => {
    let last = 0;
    for (let i = 0; i <= RATE_LIMITS.invite.limit; i++)
      last = (
        await h.request('POST', '/api/invites/preview', {
          headers: spoofed(),
          body: { token: 'A'.repeat(43) },
        })
      ).status;
    expect(last).toBe(429);
  });

  it('cannot choose the address hash recorded in the audit log', async () => {
    const link = await issueBootstrapLink(h.ctx);
    const res = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      headers: spoofed(),
      body: { token: link.slice(link.indexOf('#') + 1), displayName: 'First admin' },
    });
    expect(res.status).toBe(201);
    const rows = await h.ctx.db.query<{ ip_hash: string }>(
      "select ip_hash from audit_log where action like 'identity.%' and ip_hash is not null",
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.ip_hash).toBe(hashIp(h.ctx.keys.hashKey, REAL));
  });

  it('does not pass the simulator loopback check', async () => {
    const forged = await h.app.request(`${PUBLIC_URL}/api/simulator/state`, {
      headers: { 'x-forwarded-for': `127.0.0.1, ${REAL}` },
    });
    expect(forged.status).toBe(404);
    const local = await h.app.request(`${PUBLIC_URL}/api/simulator`, {
      headers: { 'x-forwarded-for': `${REAL}, 127.0.0.1` },
    });
    expect(local.status).toBe(200); // the control: the proxy itself saw a loopback client
  });
});
