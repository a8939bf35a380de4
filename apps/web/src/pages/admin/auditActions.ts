/**
 * Every action code the server appends to the audit chain, by area (the code is `area.name`).
 * The sentence for a code is `audit.sentence.<code>` in each locale; test/audit-sentences.test.ts
 * fails when the server writes a code that is missing here or has no sentence. (Kept in parts so
 * the i18n test does not take the codes for translation keys.)
 */
const BY_AREA = {
  auth: [
    'login',
    'login-failed',
    'passkey-added',
    'passkey-removed',
    'passkey-counter-regression',
    'sessions-revoked',
  ],
  identity: [
    'bootstrap',
    'invite-created',
    'invite-revoked',
    'invite-redeemed',
    'user-updated',
    'roles-changed',
    'user-deactivated',
    'user-reactivated',
    'phone-viewed',
    'profile-updated',
    'role-created',
    'role-updated',
    'role-deleted',
  ],
  calls: [
    'ringing',
    'answered',
    'ended',
    'rejected',
    'banned',
    'unbanned',
    'voicemail',
    'voicemail-stored',
    'voicemail-played',
    'records-purged',
    'recording-delete-failed',
  ],
  conversations: [
    'assigned',
    'unassigned',
    'transferred',
    'closed',
    'reopened',
    'rejected',
    'opted-out',
    'opted-in',
    'media-failed',
    'rewrapped',
    'exported',
    'purged',
  ],
  records: [
    'note-created',
    'note-edited',
    'note-deleted',
    'access-granted',
    'notes-exported',
    'notes-purged',
  ],
  shifts: [
    'shift.created',
    'shift.updated',
    'shift.deleted',
    'assignments.created',
    'assignments.updated',
    'assignments.deleted',
    'ring-group.created',
    'ring-group.updated',
    'ring-group.deleted',
    'exception.created',
    'exception.updated',
    'exception.deleted',
  ],
  settings: ['changed', 'provider-updated', 'provider-deleted', 'channel-updated', 'channel-deleted'],
  realtime: ['hub-key-rotated'],
} as const;

export const AUDIT_ACTIONS: readonly string[] = Object.entries(BY_AREA).flatMap(([area, names]) =>
  names.map((name) => `${area}.${name}`),
);
