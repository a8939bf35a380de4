import type { ComponentProps } from 'react';
import type { UseFormRegisterReturn } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import type { FilterFormKind } from './ListFilters.js';
import { NamedOptions } from './NamedOptions.js';

/**
 * The options of a select that picks a member by public key (a filter by author or actor, the
 * admin to grant access to): first the empty choice (`none`: "everyone", "anyone", "choose…"),
 * then one option a member. Display names are typed by people, so each keeps its own direction.
 */
export function MemberOptions({
  none,
  members,
}: {
  none: string;
  members: readonly { id: string; pubkey: string; displayName: string }[];
}) {
  return (
    <>
      <option value="">{none}</option>
      <NamedOptions options={members.map((m) => ({ value: m.pubkey, label: m.displayName }))} />
    </>
  );
}

/**
 * A labelled select of members, in its own block (a cell of a form's grid). The select's other
 * props (a form registration with its ref, or a value and onChange) pass through.
 */
export function MemberSelect({
  id,
  caption,
  none,
  members,
  ...select
}: {
  id: string;
  caption: string;
  none: string;
  members: readonly { id: string; pubkey: string; displayName: string }[];
} & Omit<ComponentProps<'select'>, 'id' | 'children'>) {
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      <select id={id} {...select}>
        <MemberOptions none={none} members={members} />
      </select>
    </div>
  );
}

/** The author filter, `<idPrefix>-author`: anyone, or one of the members (none listed, no filter). */
export function AuthorField({
  kind: { idPrefix, keys },
  members,
  field,
}: {
  kind: FilterFormKind;
  members: readonly { id: string; pubkey: string; displayName: string }[] | undefined;
  /** The form's registration of its author field. */
  field: UseFormRegisterReturn;
}) {
  const { t } = useTranslation();
  if (!members || members.length === 0) return null;
  return (
    <MemberSelect
      id={`${idPrefix}-author`}
      caption={t(keys.author)}
      none={t(keys.anyAuthor)}
      members={members}
      {...field}
    />
  );
}
