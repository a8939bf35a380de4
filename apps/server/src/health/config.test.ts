import { PublicConfig } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';

describe('GET /api/config', () => {
  let h: TestHotline;
  let admin: TestUser;
  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin']);
  });
  afterAll(() => h?.close());

  const config = async () => PublicConfig.parse(await (await h.request('GET', '/api/config')).json());

  it("carries the hotline's auto-lock time, which the app shell's idle lock uses", async () => {
    expect((await config()).autoLockMinutes).toBe(15);
    const { version } = (await (await h.request('GET', '/api/settings', { as: admin })).json()) as {
      version: number;
    };
    const res = await h.request('PATCH', '/api/settings/security', {
      as: admin,
      body: { value: { requirePasskeys: false, autoLockMinutes: 3 }, version },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await config()).autoLockMinutes).toBe(3);
  });
});
