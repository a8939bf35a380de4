import { DEFAULT_SETTINGS } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { bearer, login, withPasskey } from '../../test/passkey-flow.js';
import { PASSKEY_REQUIRED } from '../http/guard.js';
import { saveSettings } from '../settings/store.js';

/** settings.security.requirePasskeys: members without a passkey may only enrol one. */
describe('passkey policy', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  const setPolicy = async (requirePasskeys: boolean) => {
    const [row] = await h.ctx.db.query<{ version: number }>(
      'select version from hotline_settings where id = 1',
    );
    const settings = { ...DEFAULT_SETTINGS, security: { ...DEFAULT_SETTINGS.security, requirePasskeys } };
    expect(
      await saveSettings(h.ctx.db, settings, Number(row?.version ?? 0), null, new Date()),
    ).not.toBeNull();
  };

  it('is off by default: members without passkeys use member routes', async () => {
    const user = await h.addUser(['volunteer']);
    expect((await h.request('GET', '/api/auth/sessions', { as: user })).status).toBe(200);
  });

  it('when on, refuses other routes to a member without a passkey, but lets them enrol and log out', async () => {
    await setPolicy(true);
    try {
      const user = await h.addUser(['volunteer']);
      const admin = await h.addUser(['admin']);
      for (const [method, path, as] of [
        ['GET', '/api/auth/sessions', user],
        ['GET', '/api/auth/passkeys', user],
        ['POST', `/api/auth/users/${user.id}/sessions/revoke`, admin],
      ] as const) {
        const res = await h.request(method, path, { as });
        expect(res.status, path).toBe(403);
        expect(await res.json()).toEqual({ error: { code: 'forbidden', message: PASSKEY_REQUIRED } });
      }
      // Their own profile is exempt (identity declares it allowWithoutPasskey).
      expect((await h.request('GET', '/api/me', { as: user })).status).toBe(200);
      expect((await h.request('POST', '/api/auth/logout', { as: user })).status).toBe(200);
      // Public routes are unaffected.
      expect((await h.request('GET', '/api/health', { as: user })).status).toBe(200);

      // Enrolling is allowed, and lifts the restriction at once, for signed requests and sessions alike.
      const authenticator = await withPasskey(h, user);
      expect((await h.request('GET', '/api/auth/sessions', { as: user })).status).toBe(200);
      const { token } = await login(h, authenticator);
      expect((await h.request('GET', '/api/auth/passkeys', bearer(token))).status).toBe(200);
    } finally {
      await setPolicy(false);
    }
  });
});
