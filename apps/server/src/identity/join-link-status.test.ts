import { generateSecretKey } from '@llamenos/crypto';
import { JoinLinkStatusResponse } from '@llamenos/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { RATE_LIMITS } from '../rate-limit/service.js';
import { issueBootstrapLink } from './bootstrap.js';

/**
 * The up-front check of a join link: the onboarding page asks it before any name, PIN or key,
 * so a used, expired or unknown link is refused before anything is made on the device.
 */
describe('join link status', () => {
  let h: TestHotline;
  let admin: TestUser;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    h.setNow(new Date());
    for (const table of ['invites', 'users', 'bootstrap_tokens', 'rate_limits'])
      await h.ctx.db.query(`delete from ${table}`);
  });

  async function statusOf(kind: 'invites' | 'bootstrap', token: string) {
    const res = await h.request('POST', `/api/${kind}/status`, { body: { token } });
    expect(res.status).toBe(200);
    return JoinLinkStatusResponse.parse(await res.json()).status;
  }

  const tokenOf = (link: string) => link.slice(link.indexOf('#') + 1);

  it('tells an invite link valid, then used once redeemed, and nothing more', async () => {
    admin = await h.addUser(['admin'], 'Admin');
    const res = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'Vol', roles: ['volunteer'] },
    });
    const { token } = (await res.json()) as { token: string };
    const raw = await h.request('POST', '/api/invites/status', { body: { token } });
    expect(await raw.json()).toEqual({ status: 'valid' });

    const redeemed = await h.request('POST', '/api/invites/redeem', {
      as: generateSecretKey(),
      body: { token },
    });
    expect(redeemed.status).toBe(201);
    expect(await statusOf('invites', token)).toBe('used');
  });

  it('tells an expired or withdrawn invite expired, and an unknown code unknown', async () => {
    admin = await h.addUser(['admin'], 'Admin');
    const make = async (expiresInHours = 1) => {
      const res = await h.request('POST', '/api/invites', {
        as: admin,
        body: { displayName: 'Vol', roles: ['volunteer'], expiresInHours },
      });
      return (await res.json()) as { id: string; token: string };
    };
    const withdrawn = await make();
    await h.request('DELETE', `/api/invites/${withdrawn.id}`, { as: admin });
    expect(await statusOf('invites', withdrawn.token)).toBe('expired');
    const late = await make(1);
    h.setNow(new Date(Date.now() + 2 * 3600_000));
    expect(await statusOf('invites', late.token)).toBe('expired');
    expect(await statusOf('invites', 'x'.repeat(43))).toBe('unknown');
  });

  it('tells a bootstrap link valid, used once an admin exists, expired, or unknown', async () => {
    const token = tokenOf(await issueBootstrapLink(h.ctx));
    expect(await statusOf('bootstrap', token)).toBe('valid');
    expect(await statusOf('bootstrap', 'y'.repeat(43))).toBe('unknown');
    h.setNow(new Date(Date.now() + 25 * 3600_000));
    expect(await statusOf('bootstrap', token)).toBe('expired');
    h.setNow(new Date());
    const first = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token, displayName: 'First admin' },
    });
    expect(first.status).toBe(201);
    expect(await statusOf('bootstrap', token)).toBe('used');
  });

  it('refuses a malformed code with a 400 and counts attempts like the other public identity routes', async () => {
    const bad = await h.request('POST', '/api/invites/status', { body: { token: 'short' } });
    expect(bad.status).toBe(400);
    const extra = await h.request('POST', '/api/bootstrap/status', { body: { token: 'z'.repeat(43), x: 1 } });
    expect(extra.status).toBe(400);
    await h.ctx.db.query('delete from rate_limits');
    for (let i = 0; i < RATE_LIMITS.invite.limit; i++) await statusOf('invites', 'q'.repeat(43));
    const limited = await h.request('POST', '/api/invites/status', { body: { token: 'q'.repeat(43) } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });
});
