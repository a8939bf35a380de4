import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { attemptLogin, withPasskey } from '../../test/passkey-flow.js';
import { RATE_LIMITS } from '../rate-limit/service.js';

/** Failed passkey sign-ins are counted per client address in the database and blocked. */
describe('sign-in rate limit', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  const { limit, blockSeconds } = RATE_LIMITS.login;
  const verify = (challengeId: string) =>
    h.request('POST', '/api/auth/login/verify', { body: { challengeId, response: {} } });

  it(`answers 429 with retry-after after ${limit} failed attempts, and the block holds`, async () => {
    const user = await h.addUser(['volunteer']);
    const authenticator = await withPasskey(h, user);
    const start = Date.now();
    try {
      for (let i = 0; i < limit; i++) expect((await verify(crypto.randomUUID())).status).toBe(400);
      const blocked = await verify(crypto.randomUUID());
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ error: { code: 'rate_limited' } });

      // Past the counting window but inside the block: a genuine passkey is still refused.
      h.setNow(new Date(start + (RATE_LIMITS.login.windowSeconds + 5) * 1000));
      const during = await h.request('POST', '/api/auth/login/verify', { body: {} });
      expect(during.status).toBe(429);

      // After the block the genuine passkey signs in, which clears the count.
      h.setNow(new Date(start + (blockSeconds + RATE_LIMITS.login.windowSeconds + 10) * 1000));
      expect((await attemptLogin(h, authenticator)).status).toBe(200);
      const [row] = await h.ctx.db.query(
        "select count(*)::int as n from rate_limits where key like 'login:verify:%'",
      );
      expect(row).toEqual({ n: 0 });
    } finally {
      h.setNow(new Date());
    }
  });
});
