import { createHash } from 'node:crypto';
import { generateSecretKey, getPublicKey } from '@llamenos/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { verifyAuditLog } from '../audit/service.js';
import { RATE_LIMITS } from '../rate-limit/service.js';

describe('invites', () => {
  let h: TestHotline;
  let admin: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
  });
  afterAll(() => h.close());
  // Every case runs on the real clock and with no counted attempts (all requests come from one address).
  beforeEach(async () => {
    h.setNow(new Date());
    await h.ctx.db.query('delete from rate_limits');
  });

  async function invite(body: Record<string, unknown> = {}) {
    const res = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'Vol', roles: ['volunteer'], ...body },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; token: string; link: string; expiresAt: string };
  }

  const redeem = (token: string, key: Uint8Array, displayName?: string) =>
    h.request('POST', '/api/invites/redeem', {
      as: key,
      body: { token, ...(displayName ? { displayName } : {}) },
    });

  const preview = (token: string) => h.request('POST', '/api/invites/preview', { body: { token } });

  it('goes from creation to preview to a new member with the invited roles', async () => {
    const created = await invite({ displayName: 'Ana', roles: ['volunteer'], phone: '+1 (555) 010-4477' });
    expect(created.link).toBe(`http://127.0.0.1:3000/invite#${created.token}`);
    expect(new Date(created.expiresAt).getTime() - Date.now()).toBeGreaterThan(71 * 3600_000);

    const shown = await preview(created.token);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({
      displayName: 'Ana',
      roles: ['volunteer'],
      expiresAt: created.expiresAt,
    });

    const key = generateSecretKey();
    const res = await redeem(created.token, key, 'Ana M.');
    expect(res.status).toBe(201);
    const user = await res.json();
    expect(user).toMatchObject({ pubkey: getPublicKey(key), displayName: 'Ana M.', roles: ['volunteer'] });
    expect(user.phoneLast4).toBe('4477');

    const me = await h.request('GET', '/api/me', { as: key });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ roles: ['volunteer'], phoneLast4: '4477' });

    const list = await (await h.request('GET', '/api/invites', { as: admin })).json();
    expect(list.invites.find((i: { id: string }) => i.id === created.id)).toMatchObject({
      status: 'redeemed',
      redeemedBy: getPublicKey(key),
    });

    // Only the code's hash is kept; the spent invite keeps no copy of the number.
    const [row] = await h.ctx.db.query<Record<string, unknown>>('select * from invites where id = $1', [
      created.id,
    ]);
    expect(row!.token_hash).toBe(createHash('sha256').update(created.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.token);
    expect(row!.phone_enc).toBeNull();

    const actions = (
      await h.ctx.db.query<{ action: string }>(
        "select action from audit_log where action like 'identity.invite-%'",
      )
    ).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['identity.invite-created', 'identity.invite-redeemed']));
    const audit = JSON.stringify(await h.ctx.db.query('select * from audit_log'));
    expect(audit).not.toContain(created.token);
    expect(audit).not.toContain('5550104477');
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('refuses a second redemption of the same invite', async () => {
    const { token } = await invite();
    expect((await redeem(token, generateSecretKey())).status).toBe(201);
    const again = await redeem(token, generateSecretKey());
    expect(again.status).toBe(410);
    expect((await again.json()).error.message).toMatch(/already accepted/);
    expect((await preview(token)).status).toBe(410);
  });

  it('lets exactly one of two concurrent redemptions win', async () => {
    const { token } = await invite({ displayName: 'Race' });
    const redemptions = async () =>
      (await h.ctx.db.query("select 1 from audit_log where action = 'identity.invite-redeemed'")).length;
    const before = await redemptions();
    const keys = [generateSecretKey(), generateSecretKey()];
    const results = await Promise.all(keys.map((k) => redeem(token, k)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 410]);
    const users = await h.ctx.db.query('select 1 from users where pubkey = any($1::text[])', [
      keys.map(getPublicKey),
    ]);
    expect(users).toHaveLength(1);
    expect(await redemptions()).toBe(before + 1);
  });

  it('refuses an expired invite', async () => {
    const { id, token } = await invite({ expiresInHours: 1 });
    h.setNow(new Date(Date.now() + 2 * 3600_000));
    const shown = await preview(token);
    expect(shown.status).toBe(410);
    expect((await shown.json()).error.message).toMatch(/expired/);
    expect((await redeem(token, generateSecretKey())).status).toBe(410);
    const list = await (await h.request('GET', '/api/invites?status=expired', { as: admin })).json();
    expect(list.invites.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('refuses an edited, unknown or malformed code', async () => {
    const { token } = await invite();
    const edited = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const res = await redeem(edited, generateSecretKey());
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/not valid/),
    });
    expect((await preview(edited)).status).toBe(404);
    const malformed = await preview('short');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('validation_failed');
  });

  it('refuses a revoked invite, and revoking twice', async () => {
    const { id, token } = await invite();
    const revoked = await h.request('DELETE', `/api/invites/${id}`, { as: admin });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: 'revoked' });
    const res = await redeem(token, generateSecretKey());
    expect(res.status).toBe(410);
    expect((await res.json()).error.message).toMatch(/withdrawn/);
    expect((await h.request('DELETE', `/api/invites/${id}`, { as: admin })).status).toBe(409);
    expect((await h.request('DELETE', '/api/invites/no-such-invite', { as: admin })).status).toBe(404);
  });

  it('refuses a key that already belongs to a member, leaving the invite usable', async () => {
    const member = await h.addUser(['volunteer']);
    const { token } = await invite();
    const res = await redeem(token, member.secretKey);
    expect(res.status).toBe(409);
    expect((await preview(token)).status).toBe(200);
    expect((await redeem(token, generateSecretKey())).status).toBe(201);
  });

  it('requires a signature to redeem', async () => {
    const { token } = await invite();
    expect((await h.request('POST', '/api/invites/redeem', { body: { token } })).status).toBe(401);
  });

  it('validates roles and bounds', async () => {
    const unknownRole = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'X', roles: ['wizard'] },
    });
    expect(unknownRole.status).toBe(400);
    expect((await unknownRole.json()).error.message).toMatch(/unknown role/);
    const tooLong = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'X', roles: ['volunteer'], expiresInHours: 721 },
    });
    expect(tooLong.status).toBe(400);
    const badPhone = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'X', roles: ['volunteer'], phone: '12345678' },
    });
    expect(badPhone.status).toBe(400);
    const extra = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'X', roles: ['volunteer'], isAdmin: true },
    });
    expect(extra.status).toBe(400);
  });

  it('does not let an inviter hand out permissions they lack', async () => {
    const role = await h.request('POST', '/api/roles', {
      as: admin,
      body: { name: 'Inviter', permissions: ['invites:*', 'profile:read'] },
    });
    expect(role.status).toBe(201);
    const inviter = await h.addUser([(await role.json()).id]);
    const toAdmin = await h.request('POST', '/api/invites', {
      as: inviter,
      body: { displayName: 'Boss', roles: ['admin'] },
    });
    expect(toAdmin.status).toBe(403);
    const toReporter = await h.request('POST', '/api/invites', {
      as: inviter,
      body: { displayName: 'Rep', roles: ['reporter'] },
    });
    expect(toReporter.status).toBe(403);
  });

  it('rate-limits previews and redemptions per client address', async () => {
    for (let i = 0; i < RATE_LIMITS.invite.limit; i++)
      expect((await preview('C'.repeat(43))).status).toBe(404);
    const blocked = await redeem('C'.repeat(43), generateSecretKey());
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
