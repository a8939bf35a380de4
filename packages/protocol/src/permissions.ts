/**
 * The permission catalogue: every action a route can require, as `domain:action`.
 * Roles grant lists of permissions; `domain:*` grants every action of a domain and `*`
 * grants everything. The server checks these on every route; the web client only uses
 * them to hide what a user cannot do.
 */
export const PERMISSIONS = [
  'users:read',
  'users:write',
  'users:deactivate',
  'invites:read',
  'invites:write',
  'roles:read',
  'roles:write',
  'settings:read',
  'settings:write',
  'audit:read',
  'audit:verify',
  'profile:read',
  'profile:write',
  'passkeys:manage',
  'hub:read',
  'calls:read',
  'calls:answer',
  'calls:read-all',
  'calls:ban',
  // Listen silently to a live browser call, when the hotline turns it on (calls/supervision.ts).
  'calls:supervise',
  // Start a role-play training call to a trainee (simulator/training.ts).
  'calls:train',
  'shifts:read',
  'shifts:write',
  'notes:read-own',
  'notes:write',
  'notes:read-all',
  'notes:export',
  'reports:write',
  'reports:read-own',
  'reports:read-all',
  'conversations:read-assigned',
  'conversations:read-all',
  'conversations:reply',
  'conversations:claim',
  'conversations:assign',
  'bans:read',
  'bans:write',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** What every member may do with their own account, whatever else their role grants. */
const OWN_ACCOUNT = ['profile:read', 'profile:write', 'passkeys:manage', 'hub:read'] as const;

/** Built-in roles. Custom roles are stored by the server and use the same catalogue. */
export const BUILTIN_ROLES = {
  admin: { name: 'Admin', permissions: ['*'] },
  volunteer: {
    name: 'Volunteer',
    permissions: [
      ...OWN_ACCOUNT,
      'calls:read',
      'calls:answer',
      'shifts:read',
      'notes:read-own',
      'notes:write',
      'conversations:read-assigned',
      'conversations:reply',
      'conversations:claim',
      // Volunteers may also file reports (and read their own), as reporters do.
      'reports:write',
      'reports:read-own',
    ],
  },
  reporter: {
    name: 'Reporter',
    permissions: [...OWN_ACCOUNT, 'reports:write', 'reports:read-own'],
  },
} as const satisfies Record<string, { name: string; permissions: readonly string[] }>;

export type BuiltinRoleId = keyof typeof BUILTIN_ROLES;

const GRANT_PATTERN = /^(\*|[a-z-]+:\*|[a-z-]+:[a-z-]+)$/;

/** True if `grant` is a well-formed grant: a catalogue permission, `domain:*` or `*`. */
export function isValidGrant(grant: string): boolean {
  if (!GRANT_PATTERN.test(grant)) return false;
  if (grant === '*') return true;
  if (grant.endsWith(':*')) {
    const domain = grant.slice(0, -2);
    return PERMISSIONS.some((p) => p.startsWith(`${domain}:`));
  }
  return (PERMISSIONS as readonly string[]).includes(grant);
}

/**
 * A wider permission that covers a narrower one of its domain: reading every report includes
 * reading one's own, so a custom role given only reports:read-all reaches the reports screens.
 */
const COVERED_BY: Partial<Record<Permission, Permission>> = { 'reports:read-own': 'reports:read-all' };

/** True if any of `grants` covers `required`. */
export function hasPermission(grants: readonly string[], required: Permission): boolean {
  const domain = required.slice(0, required.indexOf(':'));
  const wider = COVERED_BY[required];
  return grants.some((g) => g === '*' || g === required || g === `${domain}:*` || g === wider);
}
