import { z } from 'zod';
import type {
  CreatedInvite,
  InvitePreview,
  InviteView,
  ProfileView,
  RoleView,
  UserView,
} from '../identity.js';
import { CallPreference, InviteStatus, JoinLinkStatus } from '../identity.js';

/**
 * Answers of the identity routes (members, invites, roles), as the web client checks them on
 * arrival. Each schema is held to the interface the server builds its answer from, so the two
 * cannot drift apart without the build failing.
 */

export const UserViewSchema = z.object({
  id: z.string(),
  pubkey: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  languages: z.array(z.string()),
  active: z.boolean(),
  onBreak: z.boolean(),
  callPreference: CallPreference,
  phoneLast4: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deactivatedAt: z.string().nullable(),
}) satisfies z.ZodType<UserView>;

/** `GET /api/users`. */
export const UserListResponse = z.object({ users: z.array(UserViewSchema) });

/** `GET /api/me`: the signed-in member and what their roles let them do. */
export const ProfileViewSchema = z.object({
  id: z.string(),
  pubkey: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  languages: z.array(z.string()),
  onBreak: z.boolean(),
  callPreference: CallPreference,
  phoneLast4: z.string().nullable(),
  transcribeMyCalls: z.boolean(),
  // Any string: a language a newer server knows is simply not applied by an older client.
  uiLanguage: z.string().nullable(),
}) satisfies z.ZodType<ProfileView>;

export const InviteViewSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  phoneLast4: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: InviteStatus,
  redeemedAt: z.string().nullable(),
  redeemedBy: z.string().nullable(),
}) satisfies z.ZodType<InviteView>;

/** `GET /api/invites`. */
export const InviteListResponse = z.object({ invites: z.array(InviteViewSchema) });

/** `POST /api/invites/status` and `POST /api/bootstrap/status`: the status and nothing else. */
export const JoinLinkStatusResponse = z.object({ status: JoinLinkStatus }).strict();

/** `POST /api/invites/preview`. */
export const InvitePreviewSchema = z.object({
  displayName: z.string(),
  roles: z.array(z.string()),
  expiresAt: z.string(),
}) satisfies z.ZodType<InvitePreview>;

/** `POST /api/invites`: the token is shown once, to the admin who made it. */
export const CreatedInviteSchema = z.object({
  id: z.string(),
  token: z.string(),
  link: z.string(),
  expiresAt: z.string(),
}) satisfies z.ZodType<CreatedInvite>;

export const RoleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  builtin: z.boolean(),
}) satisfies z.ZodType<RoleView>;

/** `GET /api/roles`. */
export const RoleListResponse = z.object({ roles: z.array(RoleViewSchema) });

/** `GET /api/permissions`: every permission a role may grant. */
export const PermissionListResponse = z.object({ permissions: z.array(z.string()) });
