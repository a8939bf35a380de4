import { z } from 'zod';
import { CallPreference, InviteStatus, JoinLinkStatus } from '../identity.js';
import { timestamps } from './records.js';

/**
 * Answers of the identity routes (members, invites, roles), as the web client checks them on
 * arrival. Each answer's type is inferred from its schema: the server builds its answer to the
 * same definition the client checks, so the two cannot drift apart.
 */

/** A user as admins see them. The full phone number is never part of it (see GET /api/users/:id/phone). */
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
  ...timestamps,
  deactivatedAt: z.string().nullable(),
});
export type UserView = z.infer<typeof UserViewSchema>;

/** `GET /api/users`. */
export const UserListResponse = z.object({ users: z.array(UserViewSchema) });

/**
 * `GET /api/me`: the signed-in member as admins see them, less the account's lifecycle, with
 * the permissions their roles grant and their own preferences.
 */
export const ProfileViewSchema = UserViewSchema.omit({
  active: true,
  createdAt: true,
  updatedAt: true,
  deactivatedAt: true,
}).extend({
  permissions: z.array(z.string()),
  /** The member lets their calls answered in the browser be transcribed on their device (when the hotline allows it). */
  transcribeMyCalls: z.boolean(),
  /**
   * The interface language the member chose on any device, or null when they never chose one.
   * Any string: a language a newer server knows is simply not applied by an older client.
   */
  uiLanguage: z.string().nullable(),
});
export type ProfileView = z.infer<typeof ProfileViewSchema>;

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
});
export type InviteView = z.infer<typeof InviteViewSchema>;

/** `GET /api/invites`. */
export const InviteListResponse = z.object({ invites: z.array(InviteViewSchema) });

/** `POST /api/invites/status` and `POST /api/bootstrap/status`: the status and nothing else. */
export const JoinLinkStatusResponse = z.object({ status: JoinLinkStatus }).strict();

/** `POST /api/invites/preview`: what the person holding an invite link sees before accepting it. */
export const InvitePreviewSchema = InviteViewSchema.pick({ displayName: true, roles: true, expiresAt: true });
export type InvitePreview = z.infer<typeof InvitePreviewSchema>;

/** `POST /api/invites`: the token is shown once, to the admin who made it. */
export const CreatedInviteSchema = z.object({
  id: z.string(),
  token: z.string(),
  link: z.string(),
  expiresAt: z.string(),
});
export type CreatedInvite = z.infer<typeof CreatedInviteSchema>;

export const RoleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  builtin: z.boolean(),
});
export type RoleView = z.infer<typeof RoleViewSchema>;

/** `GET /api/roles`. */
export const RoleListResponse = z.object({ roles: z.array(RoleViewSchema) });

/** `GET /api/permissions`: every permission a role may grant. */
export const PermissionListResponse = z.object({ permissions: z.array(z.string()) });
