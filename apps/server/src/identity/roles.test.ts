import { PERMISSIONS } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { verifyAuditLog } from '../audit/service.js';
import { coversGrant, customRoleId } from './roles.js';

describe('custom roles', () => {
  let h: TestHotline;
  let admin: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin'], 'Admin');
  });
  afterAll(() => h.close());

  const createRole = (body: unknown, as: TestUser = admin) => h.request('POST', '/api/roles', { as, body });

  it('goes through create, assign, edit, refuse deletion while held, delete', async () => {
    const created = await createRole({
      name: 'Dispatch Lead',
      description: 'Runs the night desk',
      permissions: ['calls:*', 'shifts:read'],
    });
    expect(created.status).toBe(201);
    const role = await created.json();
    expect(role).toEqual({
      id: 'custom-dispatch-lead',
      name: 'Dispatch Lead',
      description: 'Runs the night desk',
      permissions: ['calls:*', 'shifts:read'],
      builtin: false,
    });

    const listed = await (await h.request('GET', '/api/roles', { as: admin })).json();
    const ids = listed.roles.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['admin', 'volunteer', 'reporter', role.id]));
    expect(listed.roles.find((r: { id: string }) => r.id === 'admin')).toMatchObject({
      builtin: true,
      permissions: ['*'],
    });

    const user = await h.addUser(['volunteer']);
    expect(
      (
        await h.request('PATCH', `/api/users/${user.id}`, {
          as: admin,
          body: { roles: ['volunteer', role.id] },
        })
      ).status,
    ).toBe(200);
    const me = await (await h.request('GET', '/api/me', { as: user })).json();
    expect(me.permissions).toEqual(expect.arrayContaining(['calls:*', 'shifts:read', 'notes:write']));

    const held = await h.request('DELETE', `/api/roles/${role.id}`, { as: admin });
    expect(held.status).toBe(409);
    expect((await held.json()).error.message).toMatch(/assigned to 1 user/);

    const edited = await h.request('PATCH', `/api/roles/${role.id}`, {
      as: admin,
      body: { permissions: ['calls:read', 'shifts:*'] },
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      name: 'Dispatch Lead',
      permissions: ['calls:read', 'shifts:*'],
    });
    const after = await (await h.request('GET', '/api/me', { as: user })).json();
    expect(after.permissions).toContain('shifts:*');
    expect(after.permissions).not.toContain('calls:*');

    await h.request('PATCH', `/api/users/${user.id}`, { as: admin, body: { roles: ['volunteer'] } });
    expect((await h.request('DELETE', `/api/roles/${role.id}`, { as: admin })).status).toBe(204);
    const gone = await (await h.request('GET', '/api/roles', { as: admin })).json();
    expect(gone.roles.map((r: { id: string }) => r.id)).not.toContain(role.id);

    const actions = (
      await h.ctx.db.query<{ action: string }>(
        "select action from audit_log where target = 'role:custom-dispatch-lead'",
      )
    ).map((r) => r.action);
    expect(actions).toEqual(['identity.role-created', 'identity.role-updated', 'identity.role-deleted']);
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('rejects invalid grants', async () => {
    for (const permissions of [
      ['calls:fly'],
      ['nope:*'],
      ['*', 'x'],
      ['CALLS:READ'],
      [],
      ['calls:read', 'calls:read'],
    ]) {
      const res = await createRole({ name: `Bad ${permissions.join(',')}`, permissions });
      expect(res.status, JSON.stringify(permissions)).toBe(400);
      expect((await res.json()).error.code).toBe('validation_failed');
    }
    const edit = await createRole({ name: 'Editable', permissions: ['calls:read'] });
    const { id } = await edit.json();
    expect(
      (await h.request('PATCH', `/api/roles/${id}`, { as: admin, body: { permissions: ['calls:teleport'] } }))
        .status,
    ).toBe(400);
    expect(
      (
        await h.request('PATCH', `/api/roles/${id}`, {
          as: admin,
          body: { permissions: ['calls:read'], color: 1 },
        })
      ).status,
    ).toBe(400);
  });

  it('refuses name clashes and changes to built-in roles', async () => {
    expect((await createRole({ name: 'Night Desk', permissions: ['calls:read'] })).status).toBe(201);
    expect((await createRole({ name: 'Night Desk', permissions: ['calls:read'] })).status).toBe(409);
    expect((await createRole({ name: 'night desk!', permissions: ['calls:read'] })).status).toBe(409);
    expect((await createRole({ name: 'Admin', permissions: ['calls:read'] })).status).toBe(409);
    expect((await h.request('PATCH', '/api/roles/admin', { as: admin, body: { name: 'Root' } })).status).toBe(
      409,
    );
    expect((await h.request('DELETE', '/api/roles/volunteer', { as: admin })).status).toBe(409);
    expect((await h.request('DELETE', '/api/roles/custom-nothing', { as: admin })).status).toBe(404);
    expect(
      (await h.request('PATCH', '/api/roles/custom-nothing', { as: admin, body: { name: 'X' } })).status,
    ).toBe(404);
  });

  it('does not let a role editor grant more than they hold', async () => {
    const editorRole = await (
      await createRole({ name: 'Role editor', permissions: ['roles:*', 'calls:read'] })
    ).json();
    const editor = await h.addUser([editorRole.id]);
    expect((await createRole({ name: 'Everything', permissions: ['*'] }, editor)).status).toBe(403);
    expect((await createRole({ name: 'Readers', permissions: ['calls:read'] }, editor)).status).toBe(201);
    // Nor widen their own role.
    const widen = await h.request('PATCH', `/api/roles/${editorRole.id}`, {
      as: editor,
      body: { permissions: ['roles:*', 'calls:read', 'users:write'] },
    });
    expect(widen.status).toBe(403);
  });

  it('refuses to delete a role a pending invite offers', async () => {
    const role = await (await createRole({ name: 'Invitee role', permissions: ['calls:read'] })).json();
    const inv = await h.request('POST', '/api/invites', {
      as: admin,
      body: { displayName: 'Someone', roles: [role.id] },
    });
    expect(inv.status).toBe(201);
    expect((await h.request('DELETE', `/api/roles/${role.id}`, { as: admin })).status).toBe(409);
    await h.request('DELETE', `/api/invites/${(await inv.json()).id}`, { as: admin });
    expect((await h.request('DELETE', `/api/roles/${role.id}`, { as: admin })).status).toBe(204);
  });

  it('serves the permission catalogue to any member, and roles only with roles:read', async () => {
    const vol = await h.addUser(['volunteer']);
    const res = await h.request('GET', '/api/permissions', { as: vol });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ permissions: [...PERMISSIONS] });
    expect((await h.request('GET', '/api/permissions')).status).toBe(401);
    expect((await h.request('GET', '/api/roles', { as: vol })).status).toBe(403);
  });
});

describe('role helpers', () => {
  it('derives readable ids that cannot shadow built-in ones', () => {
    expect(customRoleId('Dispatch Lead')).toBe('custom-dispatch-lead');
    expect(customRoleId('Coordinación')).toBe('custom-coordinacion');
    expect(customRoleId('admin')).toBe('custom-admin');
    expect(customRoleId('!!!')).toMatch(/^custom-[0-9a-f-]{36}$/);
  });

  it('knows which grants a set of permissions covers', () => {
    expect(coversGrant(['*'], '*')).toBe(true);
    expect(coversGrant(['calls:*'], 'calls:read')).toBe(true);
    expect(
      coversGrant(
        PERMISSIONS.filter((p) => p.startsWith('calls:')),
        'calls:*',
      ),
    ).toBe(true);
    expect(coversGrant(['calls:read', 'calls:answer', 'calls:read-all', 'calls:ban'], 'calls:*')).toBe(false);
    expect(coversGrant(['calls:read'], 'calls:*')).toBe(false);
    expect(coversGrant(['calls:*'], '*')).toBe(false);
  });
});
