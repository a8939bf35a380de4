import { z } from 'zod';
import { isValidGrant } from './permissions.js';
import { LanguageCode } from './settings.js';
import { textBlock, textLine } from './text.js';
import { UiLanguage } from './ui-languages.js';

/**
 * Request bodies and views of the Identity module: bootstrap, invites, users, custom roles
 * and the caller's own profile. Shared by the server (validation) and the web client (forms).
 * Every request object is strict: an unknown field is an error, not silently dropped.
 */

/** One-time codes (bootstrap, invites) are random base64url strings; only their hash is stored. */
const OneTimeToken = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'a base64url code');

export const DisplayName = textLine(80);

/** A role id: a built-in one (admin, volunteer, reporter) or a custom one (custom-…). */
const RoleId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a role id such as "volunteer" or "custom-dispatch"');

const RoleList = z
  .array(RoleId)
  .min(1)
  .max(20)
  .refine((roles) => new Set(roles).size === roles.length, 'roles must not repeat');

/** A phone number as typed; the server normalizes it to E.164 and refuses what is not one. */
const PhoneInput = z
  .string()
  .trim()
  .min(7)
  .max(32)
  .regex(/^\+?[0-9\s().-]+$/, 'a phone number in international form, e.g. +15551234567');

export const CallPreference = z.enum(['phone', 'browser', 'both']);
export type CallPreference = z.infer<typeof CallPreference>;

const Languages = z
  .array(LanguageCode)
  .max(20)
  .refine((l) => new Set(l).size === l.length, 'languages must not repeat');

/** A permission grant in a custom role: a catalogue permission, `domain:*` or `*`. */
const Grant = z.string().max(80).refine(isValidGrant, 'not a known permission or domain wildcard');

export const BootstrapBody = z.object({ token: OneTimeToken, displayName: DisplayName }).strict();
export type BootstrapBody = z.infer<typeof BootstrapBody>;

export const INVITE_DEFAULT_HOURS = 72;
export const INVITE_MAX_HOURS = 720;

export const CreateInviteBody = z
  .object({
    displayName: DisplayName,
    roles: RoleList,
    phone: PhoneInput.optional(),
    expiresInHours: z.number().int().min(1).max(INVITE_MAX_HOURS).default(INVITE_DEFAULT_HOURS),
  })
  .strict();
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

export const InviteTokenBody = z.object({ token: OneTimeToken }).strict();
export type InviteTokenBody = z.infer<typeof InviteTokenBody>;

export const RedeemInviteBody = z
  .object({ token: OneTimeToken, displayName: DisplayName.optional() })
  .strict();
export type RedeemInviteBody = z.infer<typeof RedeemInviteBody>;

/**
 * What a join link (invite or bootstrap) is worth, checked before anything is asked or made:
 * the holder learns only whether the link can still be used.
 */
export const JoinLinkStatus = z.enum(['valid', 'used', 'expired', 'unknown']);
export type JoinLinkStatus = z.infer<typeof JoinLinkStatus>;

export const InviteStatus = z.enum(['pending', 'redeemed', 'expired', 'revoked']);
export type InviteStatus = z.infer<typeof InviteStatus>;

export const InviteListQuery = z.object({ status: InviteStatus.optional() }).strict();

/** Path parameter of every `/:id` route. */
export const IdParam = z
  .object({
    id: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_-]+$/, 'an id'),
  })
  .strict();

export const UserListQuery = z
  .object({
    active: z.enum(['true', 'false']).optional(),
    role: RoleId.optional(),
  })
  .strict();

export const UpdateUserBody = z
  .object({
    displayName: DisplayName.optional(),
    roles: RoleList.optional(),
    languages: Languages.optional(),
    phone: PhoneInput.nullable().optional(),
    onBreak: z.boolean().optional(),
    callPreference: CallPreference.optional(),
  })
  .strict();
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

/** What a member changes about themself: the part of an admin's edit that is theirs, and their own choices. */
export const UpdateProfileBody = UpdateUserBody.pick({
  displayName: true,
  languages: true,
  onBreak: true,
  callPreference: true,
}).extend({
  /** False: this member's browser calls are never transcribed on their device (their opt-out). */
  transcribeMyCalls: z.boolean().optional(),
  /** The interface language this member chose; null forgets it (each device then keeps its own). */
  uiLanguage: UiLanguage.nullable().optional(),
});
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

const GrantList = z
  .array(Grant)
  .min(1)
  .max(100)
  .refine((g) => new Set(g).size === g.length, 'permissions must not repeat');

export const CreateRoleBody = z
  .object({
    name: textLine(60),
    description: textBlock(300).optional(),
    permissions: GrantList,
  })
  .strict();
export type CreateRoleBody = z.infer<typeof CreateRoleBody>;

export const UpdateRoleBody = z
  .object({
    name: textLine(60).optional(),
    description: textBlock(300).optional(),
    permissions: GrantList.optional(),
  })
  .strict();
export type UpdateRoleBody = z.infer<typeof UpdateRoleBody>;

// The answers (UserView, ProfileView, InviteView, RoleView, …) are typed by their schemas in responses/identity.ts.
