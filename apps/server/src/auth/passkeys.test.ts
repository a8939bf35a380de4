import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../test/helpers.js';
import { attemptLogin, bearer, login, registerPasskey, withPasskey } from '../../test/passkey-flow.js';
import { SoftwareAuthenticator } from '../../test/webauthn-authenticator.js';
import { CHALLENGE_MINUTES } from './challenges.js';

/** Real WebAuthn ceremonies (software authenticator) against the passkey routes. */
describe('passkeys', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());
  // Refused sign-ins count against the (shared, in-process) client address; each test starts clean.
  beforeEach(async () => {
    await h.ctx.db.query('delete from rate_limits');
  });

  const auditActions = async () =>
    (
      await h.ctx.db.query<{
        action: string;
        actor_pubkey: string | null;
        ip_hash: string | null;
        details: object;
      }>('select action, actor_pubkey, ip_hash, details from audit_log order by seq')
    ).map((r) => ({ ...r, details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details }));

  it('registers a passkey, signs in with it, and the session works on public and member routes', async () => {
    const user = await h.addUser(['volunteer']);
    const { authenticator, res } = await registerPasskey(h, user, undefined, { label: 'Laptop' });
    expect(res.status).toBe(201);
    expect((await res.json()).passkey).toMatchObject({ id: authenticator.credentialId, label: 'Laptop' });

    const result = await login(h, authenticator);
    expect(result.user).toEqual({ id: user.id, pubkey: user.pubkey });
    expect(result.token).toMatch(/^lls_/);
    expect(new Date(result.expiresAt).getTime() - Date.now()).toBeGreaterThan(7.9 * 3600_000);

    expect((await h.request('GET', '/api/health', bearer(result.token))).status).toBe(200);
    const list = await h.request('GET', '/api/auth/passkeys', bearer(result.token));
    expect(list.status).toBe(200);
    const { passkeys } = await list.json();
    expect(passkeys).toHaveLength(1);
    expect(passkeys[0]).toMatchObject({
      id: authenticator.credentialId,
      label: 'Laptop',
      transports: ['internal'],
    });
    expect(passkeys[0].lastUsedAt).not.toBeNull();
    expect(passkeys[0]).not.toHaveProperty('publicKey');

    const entries = await auditActions();
    expect(entries.filter((e) => e.actor_pubkey === user.pubkey).map((e) => e.action)).toEqual([
      'auth.passkey-added',
      'auth.login',
    ]);
    expect(entries.find((e) => e.action === 'auth.login')?.details).toMatchObject({ method: 'passkey' });
  });

  it('refuses a registration challenge used twice, or by another member', async () => {
    const user = await h.addUser(['volunteer']);
    const other = await h.addUser(['volunteer']);
    const start = await h.request('POST', '/api/auth/passkeys/register/options', { as: user });
    const { challengeId, options } = await start.json();
    const authenticator = new SoftwareAuthenticator(PUBLIC_URL);

    const stolen = await h.request('POST', '/api/auth/passkeys/register/verify', {
      as: other,
      body: { challengeId, response: authenticator.register(options) },
    });
    expect(stolen.status).toBe(400);

    // The owner's challenge was not burned by the other member's attempt.
    const first = await h.request('POST', '/api/auth/passkeys/register/verify', {
      as: user,
      body: { challengeId, response: authenticator.register(options) },
    });
    expect(first.status).toBe(201);
    const again = await h.request('POST', '/api/auth/passkeys/register/verify', {
      as: user,
      body: { challengeId, response: authenticator.register(options) },
    });
    expect(again.status).toBe(400);
  });

  it('refuses a registration from another origin', async () => {
    const user = await h.addUser(['volunteer']);
    const { res } = await registerPasskey(h, user, undefined, { origin: 'https://evil.example' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/could not be verified/);
  });

  it('refuses a sign-in challenge used twice', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const start = await h.request('POST', '/api/auth/login/options');
    const { challengeId, options } = await start.json();
    expect(options.allowCredentials ?? []).toEqual([]);
    const ok = await h.request('POST', '/api/auth/login/verify', {
      body: { challengeId, response: authenticator.authenticate(options) },
    });
    expect(ok.status).toBe(200);
    const replay = await h.request('POST', '/api/auth/login/verify', {
      body: { challengeId, response: authenticator.authenticate(options) },
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it(`refuses a sign-in challenge older than ${CHALLENGE_MINUTES} minutes`, async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const { challengeId, options } = await (await h.request('POST', '/api/auth/login/options')).json();
    try {
      h.setNow(new Date(Date.now() + CHALLENGE_MINUTES * 60_000 + 1000));
      const res = await h.request('POST', '/api/auth/login/verify', {
        body: { challengeId, response: authenticator.authenticate(options) },
      });
      expect(res.status).toBe(401);
    } finally {
      h.setNow(new Date());
    }
  });

  it('refuses a sign-in from another origin, and audits it with the address hash only', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const res = await attemptLogin(h, authenticator, { origin: 'https://evil.example' });
    expect(res.status).toBe(401);
    const failed = (await auditActions()).filter((e) => e.action === 'auth.login-failed').at(-1);
    expect(failed).toMatchObject({ actor_pubkey: null, details: { method: 'passkey', reason: 'signature' } });
    expect(failed?.ip_hash).toMatch(/\S/);
  });

  it('refuses an assertion without user verification', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    authenticator.userVerified = false;
    expect((await attemptLogin(h, authenticator)).status).toBe(401);
  });

  it('refuses a signature counter that goes backwards, and audits the suspected clone', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    expect((await attemptLogin(h, authenticator, { counter: 5 })).status).toBe(200);
    expect((await attemptLogin(h, authenticator, { counter: 3 })).status).toBe(401);
    expect((await attemptLogin(h, authenticator, { counter: 5 })).status).toBe(401);
    const regression = (await auditActions()).filter((e) => e.action === 'auth.passkey-counter-regression');
    expect(regression).toHaveLength(2);
    expect(regression[0]).toMatchObject({
      actor_pubkey: user.pubkey,
      details: { storedCounter: 5, receivedCounter: 3 },
    });
    // The genuine authenticator, counting on, still signs in.
    expect((await attemptLogin(h, authenticator, { counter: 6 })).status).toBe(200);
  });

  it('accepts authenticators that never count (counter stays 0)', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    expect((await attemptLogin(h, authenticator, { counter: 0 })).status).toBe(200);
    expect((await attemptLogin(h, authenticator, { counter: 0 })).status).toBe(200);
  });

  it('deletes only its own passkeys, and a deleted passkey cannot sign in', async () => {
    const user = await h.addUser(['volunteer']);
    const other = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const path = `/api/auth/passkeys/${authenticator.credentialId}`;

    const foreign = await h.request('DELETE', path, { as: other });
    expect(foreign.status).toBe(404);
    expect((await h.request('DELETE', path, { as: user })).status).toBe(200);
    expect((await h.request('DELETE', path, { as: user })).status).toBe(404);
    expect((await attemptLogin(h, authenticator)).status).toBe(401);
    const removed = (await auditActions()).filter((e) => e.action === 'auth.passkey-removed');
    expect(removed.at(-1)).toMatchObject({ actor_pubkey: user.pubkey });
  });

  it('refuses a deactivated member, and their open sessions stop working', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const { token } = await login(h, authenticator);
    await h.ctx.db.query('update users set active = false where id = $1', [user.id]);
    expect((await attemptLogin(h, authenticator)).status).toBe(401);
    expect((await h.request('GET', '/api/auth/sessions', bearer(token))).status).toBe(401);
  });

  it('refuses the same authenticator registering twice for one member', async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const start = await h.request('POST', '/api/auth/passkeys/register/options', { as: user });
    const { options } = await start.json();
    expect(options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentialId]);
  });

  it('answers malformed bodies with the error shape', async () => {
    const user = await h.addUser(['volunteer']);
    const cases: [string, unknown][] = [
      ['/api/auth/login/verify', '{not json'],
      ['/api/auth/login/verify', { challengeId: 'nope', response: {} }],
      ['/api/auth/login/verify', { challengeId: crypto.randomUUID(), response: { id: 'a+b', rawId: 'a' } }],
      ['/api/auth/passkeys/register/verify', { challengeId: crypto.randomUUID() }],
      ['/api/auth/passkeys/register/verify', []],
    ];
    for (const [path, body] of cases) {
      const res = await h.request('POST', path, {
        body,
        ...(path.includes('register') ? { as: user } : {}),
      });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const json = await res.json();
      expect(json.error.code).toMatch(/^(bad_request|validation_failed)$/);
      expect(typeof json.error.message).toBe('string');
    }
    const unsigned = await h.request('POST', '/api/auth/passkeys/register/options');
    expect(unsigned.status).toBe(401);
  });
});
