import {
  CreatedInviteSchema,
  type CreateInviteBody,
  type CreateRoleBody,
  InviteListResponse,
  InvitePreviewSchema,
  InviteViewSchema,
  JoinLinkStatusResponse,
  PermissionListResponse,
  ProfileViewSchema,
  RoleListResponse,
  RoleViewSchema,
  type UpdateProfileBody,
  type UpdateRoleBody,
  type UpdateUserBody,
  UserListResponse,
  UserViewSchema,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { request, requestVoid } from './http.js';

/** Members, invites and roles: the identity routes as the web client uses them. */

/** The signed-in member, with the permissions their roles grant. */
export const fetchMe = () => request(ProfileViewSchema, 'GET', '/api/me');

export const updateMyProfile = (body: z.input<typeof UpdateProfileBody>) =>
  request(ProfileViewSchema, 'PATCH', '/api/me', body);

export const setOnBreak = (onBreak: boolean) => updateMyProfile({ onBreak });

/** Every member, or only the active ones (those who can be put on a shift). */
export const fetchUsers = async (filter: { active?: boolean } = {}) =>
  (await request(UserListResponse, 'GET', filter.active ? '/api/users?active=true' : '/api/users')).users;

export const fetchUser = (id: string) => request(UserViewSchema, 'GET', `/api/users/${id}`);

export const updateUser = (id: string, body: z.input<typeof UpdateUserBody>) =>
  request(UserViewSchema, 'PATCH', `/api/users/${id}`, body);

/** Deactivating ends the member's sessions and takes them off every shift; reactivating undoes only the first. */
export const setUserActive = (id: string, active: boolean) =>
  request(UserViewSchema, 'POST', `/api/users/${id}/${active ? 'reactivate' : 'deactivate'}`);

export const fetchInvites = async () => (await request(InviteListResponse, 'GET', '/api/invites')).invites;

export const createInvite = (body: z.input<typeof CreateInviteBody>) =>
  request(CreatedInviteSchema, 'POST', '/api/invites', body);

export const revokeInvite = (id: string) => request(InviteViewSchema, 'DELETE', `/api/invites/${id}`);

/** Whether a join link can still be used, asked before any name, PIN or key (public: no key yet). */
export const fetchJoinLinkStatus = async (kind: 'bootstrap' | 'invite', token: string) =>
  (
    await request(
      JoinLinkStatusResponse,
      'POST',
      kind === 'bootstrap' ? '/api/bootstrap/status' : '/api/invites/status',
      { token },
    )
  ).status;

/** What the holder of an invite link sees before accepting it (public: no key yet). */
export const previewInvite = (token: string) =>
  request(InvitePreviewSchema, 'POST', '/api/invites/preview', { token });

/**
 * Registers the new key: as the first admin (bootstrap) or through an invite. Signed with the
 * new key itself, which the vault does not hold yet.
 */
export const registerKey = (
  kind: 'bootstrap' | 'invite',
  body: { token: string; displayName: string },
  secretKey: Uint8Array,
) =>
  request(UserViewSchema, 'POST', kind === 'bootstrap' ? '/api/bootstrap' : '/api/invites/redeem', body, {
    signWith: secretKey,
  });

export const fetchRoles = async () => (await request(RoleListResponse, 'GET', '/api/roles')).roles;

export const createRole = (body: z.input<typeof CreateRoleBody>) =>
  request(RoleViewSchema, 'POST', '/api/roles', body);

export const updateRole = (id: string, body: z.input<typeof UpdateRoleBody>) =>
  request(RoleViewSchema, 'PATCH', `/api/roles/${id}`, body);

export const deleteRole = (id: string) => requestVoid('DELETE', `/api/roles/${id}`);

/** Every permission a role may grant. */
export const fetchPermissions = async () =>
  (await request(PermissionListResponse, 'GET', '/api/permissions')).permissions;
