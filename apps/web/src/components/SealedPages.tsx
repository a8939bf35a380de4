import { hasPermission, type Permission, type RoleView, type UserView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../app/session.js';
import { useVaultState } from '../app/useVaultState.js';
import { queries } from '../lib/queries/index.js';
import { NavLink } from './NavLink.js';
import { Page } from './PageHeading.js';

/**
 * What the pages of sealed records (call notes, reports) share: they open only with the
 * unlocked key, sub-pages lead back to their list, and authors are named from the member list
 * for those who may read it.
 */

/** The children only while the key is unlocked (a passkey session alone cannot read or write sealed records). */
export function UnlockedOnly({ locked, children }: { locked: string; children: ReactNode }) {
  const vault = useVaultState();
  if (vault !== 'unlocked')
    return (
      <p role="alert" className="notice panel">
        {locked}
      </p>
    );
  return <>{children}</>;
}

/** The way from a sub-page back to its list: the list's path and the link's translation key. */
export interface BackToList {
  href: string;
  caption: string;
}

/** A page under a list (a new record, one record): its heading and the way back to the list. */
export function SubpageOf({
  title,
  back,
  children,
}: {
  title: ReactNode;
  back: BackToList;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Page title={title}>
      <p>
        <NavLink href={back.href}>{t(back.caption)}</NavLink>
      </p>
      {children}
    </Page>
  );
}

/** A list's link to write a new record (a note, a report), drawn as a button. */
export function NewRecordLink({ href, caption }: { href: string; caption: string }) {
  return (
    <p>
      <NavLink href={href} className="button-link">
        {caption}
      </NavLink>
    </p>
  );
}

/** Members by public key and id, for those who may list them; everyone else only knows themselves. */
export function useMembers(me: Me) {
  return useQuery({ ...queries.users(), enabled: can(me, 'users:read') });
}

/** A member's name by public key: mine, one from the member list, or null when this member may not see it. */
export function memberNameOf(me: Me, members: UserView[] | undefined) {
  return (pubkey: string): string | null =>
    pubkey === me.pubkey ? me.displayName : (members?.find((m) => m.pubkey === pubkey)?.displayName ?? null);
}

/** Active members whose roles grant `permission` (e.g. who can read every note, or every report). */
export function activeMembersWho(users: UserView[], roles: RoleView[], permission: Permission): UserView[] {
  const permissionsOf = (roleIds: string[]) =>
    roleIds.flatMap((id) => roles.find((r) => r.id === id)?.permissions ?? []);
  return users.filter((u) => u.active && hasPermission(permissionsOf(u.roles), permission));
}

/**
 * Why a sealed record did not open here: no wrap for this member's key, a ciphertext that did
 * not authenticate, or content that is not what its kind writes.
 */
export type OpenFailureReason = 'no-wrap' | 'decrypt' | 'malformed';

/** A records kind's words for each reason (a table of translation keys, checked by the i18n test). */
export type OpenFailureKeys = Record<OpenFailureReason, string>;

/** The message for a record that did not open. */
export function OpenFailure({
  reason,
  keys,
  className,
  testId,
}: {
  reason: OpenFailureReason;
  keys: OpenFailureKeys;
  className: string;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <p className={className} data-testid={testId}>
      {t(keys[reason])}
    </p>
  );
}
