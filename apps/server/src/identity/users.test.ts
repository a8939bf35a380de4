import { BUILTIN_ROLES } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { verifyAuditLog } from '../audit/service.js';
import { createSession } from '../auth/sessions.js';

const auditOf = (h: TestHotline, action: string) =>
  h.ctx.db.query<{ target: string; details: Record<string, unknown>; actor_pubkey: string }>(
    'select target, details, actor_pubkey from audit_log where action = $1 order by seq',
    [action],
  );

describe('users', () => {
  let h: TestHotline;
  let admin: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
  });
  afterAll(() => h.close());

  it('stores phone numbers sealed, shows only the last four, and audits every full viewing', async () => {
    const vol = await h.addUser(['volunteer'], 'Phone owner');
    const res = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: admin,
      body: { phone: '+1 555 867 5309', callPreference: 'both' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ phoneLast4: '5309', callPreference: 'both' });

    // No column of the row holds the number, in any spelling.
    const [row] = await h.ctx.db.query<Record<string, unknown>>('select * from users where id = $1', [
      vol.id,
    ]);
    const stored = JSON.stringify(row);
    for (const form of ['15558675309', '5558675309', '555 867', '867-5309'])
      expect(stored).not.toContain(form);
    expect(row!.phone_last4).toBe('5309');
    expect(typeof row!.phone_enc).toBe('string');

    const list = await (await h.request('GET', '/api/users', { as: admin })).json();
    expect(JSON.stringify(list)).not.toContain('8675309');
    expect(list.users.find((u: { id: string }) => u.id === vol.id)).toMatchObject({ phoneLast4: '5309' });

    const phone = await h.request('GET', `/api/users/${vol.id}/phone`, { as: admin });
    expect(phone.status).toBe(200);
    expect(await phone.json()).toEqual({ phone: '+15558675309' });
    expect(phone.headers.get('cache-control')).toBe('no-store');
    const viewed = await auditOf(h, 'identity.phone-viewed');
    expect(viewed).toHaveLength(1);
    expect(viewed[0]!.actor_pubkey).toBe(admin.pubkey);
    expect(JSON.stringify(await h.ctx.db.query('select * from audit_log'))).not.toContain('8675309');

    // A volunteer may not read numbers.
    expect((await h.request('GET', `/api/users/${vol.id}/phone`, { as: vol })).status).toBe(403);

    const cleared = await h.request('PATCH', `/api/users/${vol.id}`, { as: admin, body: { phone: null } });
    expect(await cleared.json()).toMatchObject({ phoneLast4: null });
    expect(await (await h.request('GET', `/api/users/${vol.id}/phone`, { as: admin })).json()).toEqual({
      phone: null,
    });

    const bad = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: admin,
      body: { phone: '5558675309' },
    });
    expect(bad.status).toBe(400);
  });

  it('filters the list and gets one user', async () => {
    const rep = await h.addUser(['reporter'], 'Reporter');
    const reporters = await (await h.request('GET', '/api/users?role=reporter', { as: admin })).json();
    expect(reporters.users.map((u: { id: string }) => u.id)).toContain(rep.id);
    expect(reporters.users.every((u: { roles: string[] }) => u.roles.includes('reporter'))).toBe(true);
    const inactive = await (await h.request('GET', '/api/users?active=false', { as: admin })).json();
    expect(inactive.users.every((u: { active: boolean }) => !u.active)).toBe(true);
    expect((await h.request('GET', '/api/users?active=maybe', { as: admin })).status).toBe(400);
    expect((await h.request('GET', '/api/users?sort=name', { as: admin })).status).toBe(400);
    const one = await h.request('GET', `/api/users/${rep.id}`, { as: admin });
    expect(await one.json()).toMatchObject({ id: rep.id, displayName: 'Reporter', roles: ['reporter'] });
    expect((await h.request('GET', '/api/users/nobody', { as: admin })).status).toBe(404);
  });

  it('audits role changes with the roles before and after', async () => {
    const vol = await h.addUser(['volunteer']);
    const res = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: admin,
      body: { roles: ['volunteer', 'reporter'], displayName: 'Both' },
    });
    expect(res.status).toBe(200);
    const changed = (await auditOf(h, 'identity.roles-changed')).at(-1)!;
    expect(changed.details).toEqual({ before: ['volunteer'], after: ['volunteer', 'reporter'] });
    const updated = (await auditOf(h, 'identity.user-updated')).at(-1)!;
    expect(updated.details).toEqual({ fields: ['displayName'] });
    const unknown = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: admin,
      body: { roles: ['wizard'] },
    });
    expect(unknown.status).toBe(400);
  });

  it('deactivation revokes sessions and shuts the key out; reactivation lets the key back in', async () => {
    const vol = await h.addUser(['volunteer']);
    const { token } = await createSession(h.ctx.db, vol, h.ctx.now());
    const bearer = { authorization: `Bearer ${token}` };
    expect((await h.request('GET', '/api/me', { headers: bearer })).status).toBe(200);

    const res = await h.request('POST', `/api/users/${vol.id}/deactivate`, { as: admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: false });
    expect((await h.request('GET', '/api/me', { headers: bearer })).status).toBe(401);
    expect((await h.request('GET', '/api/me', { as: vol })).status).toBe(401);
    expect((await h.request('GET', '/api/permissions', { as: vol })).status).toBe(401);
    const [entry] = await auditOf(h, 'identity.user-deactivated');
    expect(entry!.details).toEqual({ sessionsRevoked: 1 });
    expect((await h.request('POST', `/api/users/${vol.id}/deactivate`, { as: admin })).status).toBe(409);

    expect((await h.request('POST', `/api/users/${vol.id}/reactivate`, { as: admin })).status).toBe(200);
    expect((await h.request('GET', '/api/me', { as: vol })).status).toBe(200);
    // Revoked sessions stay revoked.
    expect((await h.request('GET', '/api/me', { headers: bearer })).status).toBe(401);
  });

  it('lets members read and edit their own profile, but not their roles', async () => {
    const vol = await h.addUser(['volunteer'], 'Before');
    const me = await h.request('GET', '/api/me', { as: vol });
    expect(await me.json()).toMatchObject({
      id: vol.id,
      pubkey: vol.pubkey,
      displayName: 'Before',
      roles: ['volunteer'],
      permissions: expect.arrayContaining(['calls:answer']),
      languages: [],
      onBreak: false,
      callPreference: 'browser',
      phoneLast4: null,
    });
    const edited = await h.request('PATCH', '/api/me', {
      as: vol,
      body: { displayName: 'After', languages: ['es', 'en'], onBreak: true },
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      displayName: 'After',
      languages: ['es', 'en'],
      onBreak: true,
    });
    const escalate = await h.request('PATCH', '/api/me', { as: vol, body: { roles: ['admin'] } });
    expect(escalate.status).toBe(400);
    expect(await escalate.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(
      (await h.request('PATCH', `/api/users/${vol.id}`, { as: vol, body: { roles: ['admin'] } })).status,
    ).toBe(403);
  });

  it('changes only the fields a profile edit names, and answers what is stored', async () => {
    const vol = await h.addUser(['volunteer'], 'Partial');
    const patch = async (body: Record<string, unknown>) => {
      const res = await h.request('PATCH', '/api/me', { as: vol, body });
      expect(res.status).toBe(200);
      const answered = await res.json();
      expect(answered).toEqual(await (await h.request('GET', '/api/me', { as: vol })).json());
      return answered;
    };
    expect(await patch({ languages: ['fr'] })).toMatchObject({
      displayName: 'Partial',
      languages: ['fr'],
      onBreak: false,
      callPreference: 'browser',
    });
    expect(await patch({ onBreak: true })).toMatchObject({
      displayName: 'Partial',
      languages: ['fr'],
      onBreak: true,
    });
    expect(await patch({ displayName: 'Renamed', languages: [] })).toMatchObject({
      displayName: 'Renamed',
      languages: [],
      onBreak: true,
      callPreference: 'browser',
    });
    expect(await patch({ onBreak: false })).toMatchObject({
      displayName: 'Renamed',
      languages: [],
      onBreak: false,
    });
  });

  it('answers malformed JSON and unknown fields with the one error shape', async () => {
    const malformed = await h.request('PATCH', '/api/me', { as: admin, body: '{"displayName": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: { code: 'bad_request', message: expect.stringMatching(/not valid JSON/) },
    });
    const unknown = await h.request('PATCH', '/api/me', {
      as: admin,
      body: { displayName: 'A', colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    const body = await unknown.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details).toEqual(expect.any(Array));
    const wrongType = await h.request('PATCH', '/api/me', { as: admin, body: { onBreak: 'yes' } });
    expect((await wrongType.json()).error.message).toMatch(/onBreak/);
  });

  it('lets a user manager manage only members whose permissions they hold', async () => {
    const role = await h.request('POST', '/api/roles', {
      as: admin,
      body: { name: 'Coordinator', permissions: [...BUILTIN_ROLES.volunteer.permissions, 'users:*'] },
    });
    expect(role.status).toBe(201);
    const coordinator = await h.addUser([(await role.json()).id]);
    const vol = await h.addUser(['volunteer']);
    const other = await h.addUser(['admin'], 'Other admin');
    expect(
      (await h.request('PATCH', `/api/users/${vol.id}`, { as: coordinator, body: { onBreak: true } })).status,
    ).toBe(200);
    expect((await h.request('POST', `/api/users/${vol.id}/deactivate`, { as: coordinator })).status).toBe(
      200,
    );
    expect((await h.request('POST', `/api/users/${vol.id}/reactivate`, { as: coordinator })).status).toBe(
      200,
    );
    const editAdmin = await h.request('PATCH', `/api/users/${other.id}`, {
      as: coordinator,
      body: { phone: '+15550001111' },
    });
    expect(editAdmin.status).toBe(403);
    expect((await h.request('POST', `/api/users/${other.id}/deactivate`, { as: coordinator })).status).toBe(
      403,
    );
    const promote = await h.request('PATCH', `/api/users/${vol.id}`, {
      as: coordinator,
      body: { roles: ['admin'] },
    });
    expect(promote.status).toBe(403);
  });

  it('keeps the audit chain intact', async () => {
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});

describe('admin protection', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  it('never removes the last active admin', async () => {
    const a = await h.addUser(['admin'], 'A');
    const self = await h.request('POST', `/api/users/${a.id}/deactivate`, { as: a });
    expect(self.status).toBe(409);
    expect((await self.json()).error.message).toMatch(/yourself/);
    const demote = await h.request('PATCH', `/api/users/${a.id}`, { as: a, body: { roles: ['volunteer'] } });
    expect(demote.status).toBe(409);
    expect((await demote.json()).error.message).toMatch(/last active admin/);

    // Someone allowed to deactivate, but not an admin, cannot take out the last admin either.
    const role = await h.request('POST', '/api/roles', {
      as: a,
      body: { name: 'Deactivator', permissions: ['users:deactivate', 'users:read'] },
    });
    const d = await h.addUser([(await role.json()).id]);
    expect((await h.request('POST', `/api/users/${a.id}/deactivate`, { as: d })).status).toBe(409);

    // With a second admin, one may go; then the remaining one is the last again.
    const b = await h.addUser(['admin'], 'B');
    expect((await h.request('POST', `/api/users/${b.id}/deactivate`, { as: a })).status).toBe(200);
    expect(
      (await h.request('PATCH', `/api/users/${a.id}`, { as: a, body: { roles: ['volunteer'] } })).status,
    ).toBe(409);
    expect((await h.request('POST', `/api/users/${b.id}/reactivate`, { as: a })).status).toBe(200);
    expect(
      (await h.request('PATCH', `/api/users/${a.id}`, { as: a, body: { roles: ['volunteer', 'reporter'] } }))
        .status,
    ).toBe(200);
    const admins = await h.ctx.db.query(`select id from users where active and roles @> '["admin"]'::jsonb`);
    expect(admins).toEqual([{ id: b.id }]);
  });
});
