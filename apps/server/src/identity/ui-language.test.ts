import { UI_LOCALE_CODES } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';

/** The interface language a member chose, kept on their account so every device of theirs speaks it. */
describe('a member’s interface language', () => {
  let h: TestHotline;
  let admin: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
  });
  afterAll(() => h.close());

  const me = async (as: TestUser) => (await h.request('GET', '/api/me', { as })).json();

  it('is unset until chosen, then answered on every profile read, and can be forgotten', async () => {
    const vol = await h.addUser(['volunteer'], 'Polyglot');
    expect(await me(vol)).toMatchObject({ uiLanguage: null });

    const chosen = await h.request('PATCH', '/api/me', { as: vol, body: { uiLanguage: 'fr' } });
    expect(chosen.status).toBe(200);
    expect(await chosen.json()).toMatchObject({ uiLanguage: 'fr', displayName: 'Polyglot' });
    expect(await me(vol)).toMatchObject({ uiLanguage: 'fr' });

    // Another edit of the profile leaves the choice alone.
    await h.request('PATCH', '/api/me', { as: vol, body: { onBreak: true } });
    expect(await me(vol)).toMatchObject({ uiLanguage: 'fr', onBreak: true });

    const forgotten = await h.request('PATCH', '/api/me', { as: vol, body: { uiLanguage: null } });
    expect(await forgotten.json()).toMatchObject({ uiLanguage: null });
  });

  it('accepts every shipped interface language and refuses anything else with a 400 naming the field', async () => {
    const vol = await h.addUser(['volunteer']);
    for (const code of UI_LOCALE_CODES) {
      const res = await h.request('PATCH', '/api/me', { as: vol, body: { uiLanguage: code } });
      expect(res.status, code).toBe(200);
    }
    for (const bad of ['de', 'FR', 'zh', 'pt', 'en-US', '', 42]) {
      const res = await h.request('PATCH', '/api/me', { as: vol, body: { uiLanguage: bad } });
      expect(res.status, String(bad)).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('validation_failed');
      expect(error.message).toMatch(/uiLanguage/);
    }
    expect(await me(vol)).toMatchObject({ uiLanguage: 'fa' });
  });

  it('is set only by the member themself: never through the admin edit of a user', async () => {
    const vol = await h.addUser(['volunteer'], 'Own choice');
    await h.request('PATCH', '/api/me', { as: vol, body: { uiLanguage: 'ht' } });

    const byAdmin = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: admin,
      body: { uiLanguage: 'ar' },
    });
    expect(byAdmin.status).toBe(400);
    const byPeer = await h.request('PATCH', `/api/users/${admin.id}`, {
      as: vol,
      body: { uiLanguage: 'ar' },
    });
    expect(byPeer.status).toBe(403);

    // One member's choice is theirs alone, and it is not shown in the admins' view of members.
    await h.request('PATCH', '/api/me', { as: admin, body: { uiLanguage: 'es' } });
    expect(await me(vol)).toMatchObject({ uiLanguage: 'ht' });
    const listed = await (await h.request('GET', `/api/users/${vol.id}`, { as: admin })).json();
    expect(listed).not.toHaveProperty('uiLanguage');

    // The audit chain names the field, never the value.
    const [entry] = await h.ctx.db.query<{ details: Record<string, unknown> }>(
      `select details from audit_log where action = 'identity.profile-updated' and target = $1 order by seq desc limit 1`,
      [`user:${vol.id}`],
    );
    expect(entry!.details).toEqual({ fields: ['uiLanguage'] });
  });
});
