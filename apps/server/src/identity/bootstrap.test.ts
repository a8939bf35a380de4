import { generateSecretKey } from '@llamenos/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { verifyAuditLog } from '../audit/service.js';
import { deriveServerKeys } from '../context.js';
import { RATE_LIMITS } from '../rate-limit/service.js';
import { currentBootstrapNotice, hashBootstrapToken, issueBootstrapLink } from './bootstrap.js';

const tokenOf = (link: string) => link.slice(link.indexOf('#') + 1);

describe('first-admin bootstrap', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());
  // Each case starts from a hotline without members, codes or counted attempts (the audit chain stays).
  beforeEach(async () => {
    h.setNow(new Date());
    for (const table of ['users', 'bootstrap_tokens', 'rate_limits'])
      await h.ctx.db.query(`delete from ${table}`);
  });

  it('makes the signing key the first admin, once', async () => {
    const link = await issueBootstrapLink(h.ctx);
    expect(link.startsWith('http://127.0.0.1:3000/bootstrap#')).toBe(true);
    const key = generateSecretKey();
    const res = await h.request('POST', '/api/bootstrap', {
      as: key,
      body: { token: tokenOf(link), displayName: 'First admin' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ roles: ['admin'], displayName: 'First admin', active: true });

    const me = await h.request('GET', '/api/me', { as: key });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ roles: ['admin'], permissions: ['*'] });

    // The same code again, from another key: it is spent.
    const again = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: tokenOf(link), displayName: 'Intruder' },
    });
    expect(again.status).toBe(410);
    expect((await again.json()).error).toMatchObject({
      code: 'gone',
      message: expect.stringMatching(/already used/),
    });

    // A fresh code is useless once an admin exists.
    const fresh = await issueBootstrapLink(h.ctx);
    const late = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: tokenOf(fresh), displayName: 'Late' },
    });
    expect(late.status).toBe(409);
    expect((await late.json()).error.message).toMatch(/already has an admin/);

    const admins = await h.ctx.db.query(`select 1 from users where roles @> '["admin"]'::jsonb`);
    expect(admins).toHaveLength(1);
    const audit = await h.ctx.db.query<{ action: string; details: object }>(
      "select action, details from audit_log where action = 'identity.bootstrap'",
    );
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(tokenOf(link));
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('refuses an expired code', async () => {
    const link = await issueBootstrapLink(h.ctx);
    h.setNow(new Date(Date.now() + 25 * 3600_000));
    const res = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: tokenOf(link), displayName: 'Too late' },
    });
    expect(res.status).toBe(410);
    expect((await res.json()).error.message).toMatch(/expired/);
    expect(await h.ctx.db.query('select 1 from users')).toHaveLength(0);
  });

  it('refuses an unknown code, an unsigned request and unknown fields', async () => {
    await issueBootstrapLink(h.ctx);
    const unknown = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: 'A'.repeat(32), displayName: 'Guess' },
    });
    expect(unknown.status).toBe(404);
    const unsigned = await h.request('POST', '/api/bootstrap', {
      body: { token: 'A'.repeat(32), displayName: 'Guess' },
    });
    expect(unsigned.status).toBe(401);
    const extra = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: 'A'.repeat(32), displayName: 'Guess', roles: ['admin'] },
    });
    expect(extra.status).toBe(400);
    expect((await extra.json()).error.code).toBe('validation_failed');
  });

  it('rate-limits guessing per client address, with retry-after', async () => {
    await issueBootstrapLink(h.ctx);
    const attempt = () =>
      h.request('POST', '/api/bootstrap', {
        as: generateSecretKey(),
        body: { token: 'B'.repeat(32), displayName: 'Guess' },
      });
    for (let i = 0; i < RATE_LIMITS.bootstrap.limit; i++) expect((await attempt()).status).toBe(404);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).error.code).toBe('rate_limited');
  });

  it('gives every starting process the same link, stored only hashed and sealed', async () => {
    const first = await currentBootstrapNotice(h.ctx);
    const second = await currentBootstrapNotice(h.ctx);
    expect(first).toEqual(second);
    const link = (first as { link: string }).link;
    const rows = await h.ctx.db.query<{ token_hash: string; token_sealed: string }>(
      'select token_hash, token_sealed from bootstrap_tokens',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(hashBootstrapToken(tokenOf(link)));
    expect(JSON.stringify(rows)).not.toContain(tokenOf(link));

    // Once expired, the next start prints a new one; `llamenos bootstrap` always replaces it.
    h.setNow(new Date(Date.now() + 25 * 3600_000));
    const renewed = (await currentBootstrapNotice(h.ctx)) as { link: string };
    expect(renewed.link).not.toBe(link);
    h.setNow(new Date());
    const issued = await issueBootstrapLink(h.ctx);
    expect(await currentBootstrapNotice(h.ctx)).toEqual({ link: issued });

    const res = await h.request('POST', '/api/bootstrap', {
      as: generateSecretKey(),
      body: { token: tokenOf(issued), displayName: 'First admin' },
    });
    expect(res.status).toBe(201);
    expect(await currentBootstrapNotice(h.ctx)).toBeNull();
  });

  it('says when the stored link was sealed under another SERVER_SECRET instead of replacing it', async () => {
    await issueBootstrapLink(h.ctx);
    const [row] = await h.ctx.db.query<{ created_at: Date }>('select created_at from bootstrap_tokens');
    const sibling = { ...h.ctx, keys: { ...h.ctx.keys, ...deriveServerKeys(new Uint8Array(32).fill(7)) } };
    expect(await currentBootstrapNotice(sibling)).toEqual({ printedElsewhereAt: new Date(row!.created_at) });
    expect(await h.ctx.db.query('select 1 from bootstrap_tokens')).toHaveLength(1);
  });
});
