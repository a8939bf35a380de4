import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { bearer, login, withPasskey } from '../../test/passkey-flow.js';
import { SESSION_HOURS } from './sessions.js';

/** Sessions opened by passkey sign-in: expiry, listing, logout and revocation. */
describe('passkey sessions', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  const sessionsOf = async (token: string) => {
    const res = await h.request('GET', '/api/auth/sessions', bearer(token));
    return { status: res.status, body: res.status === 200 ? await res.json() : null };
  };

  it(`expires after ${SESSION_HOURS} hours`, async () => {
    const user = await h.addUser(['volunteer']);
    const { token } = await login(h, await withPasskey(h, user));
    const start = Date.now();
    try {
      h.setNow(new Date(start + SESSION_HOURS * 3600_000 - 60_000));
      expect((await sessionsOf(token)).status).toBe(200);
      h.setNow(new Date(start + SESSION_HOURS * 3600_000 + 1000));
      const res = await h.request('GET', '/api/health', bearer(token));
      expect(res.status).toBe(401);
      expect((await res.json()).error.message).toMatch(/expired or revoked/);
    } finally {
      h.setNow(new Date());
    }
  });

  it('lists own live sessions, marking the current one', async () => {
    const user = await h.addUser(['volunteer']);
    const other = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const a = await login(h, authenticator);
    const b = await login(h, authenticator);
    await login(h, await withPasskey(h, other));
    const { body } = await sessionsOf(b.token);
    expect(body.sessions).toHaveLength(2);
    expect(body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    // A NIP-98 request has no current session.
    const signed = await (await h.request('GET', '/api/auth/sessions', { as: user })).json();
    expect(signed.sessions.every((s: { current: boolean }) => !s.current)).toBe(true);
    expect(a.token).not.toBe(b.token);
  });

  it('logout revokes the bearer session; with NIP-98 it is a no-op', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const a = await login(h, authenticator);
    const b = await login(h, authenticator);
    const out = await h.request('POST', '/api/auth/logout', bearer(a.token));
    expect(out.status).toBe(200);
    expect(await out.json()).toMatchObject({ revoked: true });
    expect((await sessionsOf(a.token)).status).toBe(401);
    expect((await sessionsOf(b.token)).status).toBe(200);

    const signed = await h.request('POST', '/api/auth/logout', { as: user });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toMatchObject({ revoked: false });
    expect((await sessionsOf(b.token)).status).toBe(200);
  });

  it('revoke-all ends every own session and is audited', async () => {
    const user = await h.addUser(['volunteer']);
    const other = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const a = await login(h, authenticator);
    const b = await login(h, authenticator);
    const theirs = await login(h, await withPasskey(h, other));
    const res = await h.request('POST', '/api/auth/sessions/revoke-all', bearer(a.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 2 });
    expect((await sessionsOf(a.token)).status).toBe(401);
    expect((await sessionsOf(b.token)).status).toBe(401);
    expect((await sessionsOf(theirs.token)).status).toBe(200);
    const [entry] = await h.ctx.db.query<{ actor_pubkey: string }>(
      "select actor_pubkey from audit_log where action = 'auth.sessions-revoked' order by seq desc limit 1",
    );
    expect(entry?.actor_pubkey).toBe(user.pubkey);
  });

  it('an admin revokes a member’s sessions; a volunteer may not', async () => {
    const admin = await h.addUser(['admin']);
    const user = await h.addUser(['volunteer']);
    const { token } = await login(h, await withPasskey(h, user));
    const path = `/api/auth/users/${user.id}/sessions/revoke`;
    expect((await h.request('POST', path, { as: user })).status).toBe(403);
    const res = await h.request('POST', path, { as: admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ revoked: 1 });
    expect((await sessionsOf(token)).status).toBe(401);
    const missing = await h.request('POST', '/api/auth/users/nobody/sessions/revoke', { as: admin });
    expect(missing.status).toBe(404);
  });
});
