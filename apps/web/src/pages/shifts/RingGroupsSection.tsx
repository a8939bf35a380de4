import { zodResolver } from '@hookform/resolvers/zod';
import type { CreateRingGroupRequest, RingGroupView } from '@llamenos/protocol';
import { Fragment, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { ActionError } from '../../components/ActionError.js';
import type { Choice } from '../../components/CheckboxGroup.js';
import { RowAction } from '../../components/DataTable.js';
import { EmptyState } from '../../components/EmptyState.js';
import type { FormEnd } from '../../components/props.js';
import { FormActions } from '../../components/SubmitButton.js';
import { UserText } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createRingGroup, deleteRingGroup, updateRingGroup } from '../../lib/api/index.js';
import { MemberCheckboxes } from './MemberCheckboxes.js';
import type { ScheduleSectionProps } from './sectionProps.js';

type Editing = RingGroupView | 'new' | null;

/** Ring groups: teams a shift can ring, and the one fallback group rung when nobody is on shift. */
export function RingGroupsSection({
  groups,
  volunteers,
  nameOf,
  writable,
  onChanged,
}: { groups: RingGroupView[] } & ScheduleSectionProps) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<Editing>(null);
  const remove = useSubmit(async (group: RingGroupView) => {
    await deleteRingGroup(group.id);
    onChanged();
  });

  return (
    <section aria-labelledby="ring-groups-title">
      <h2 id="ring-groups-title">{t('shifts.ringGroups')}</h2>
      <p className="hint">{t('shifts.fallbackExplain')}</p>
      {groups.length === 0 && <EmptyState>{t('shifts.noRingGroups')}</EmptyState>}
      <ul className="shift-list">
        {groups.map((g) => (
          <li key={g.id}>
            <strong dir="auto">{g.name}</strong>
            {g.isFallback && <span className="badge">{t('shifts.fallback')}</span>}
            <span className="hint">
              {' '}
              <Members ids={g.userIds} nameOf={nameOf} />
            </span>
            {writable && (
              <span className="button-row compact">
                <RowAction action={t('common.edit')} item={g.name} onClick={() => setEditing(g)} />
                <RowAction
                  action={t('common.delete')}
                  item={g.name}
                  danger
                  onClick={() => void remove.run(g)}
                />
              </span>
            )}
          </li>
        ))}
      </ul>
      <ActionError error={remove.error} />
      {writable && (
        <RingGroupEditor
          editing={editing}
          setEditing={setEditing}
          volunteers={volunteers}
          onChanged={onChanged}
        />
      )}
    </section>
  );
}

/** A group's members by name, or "nobody assigned". */
function Members({ ids, nameOf }: { ids: string[]; nameOf: (userId: string) => string }) {
  const { t } = useTranslation();
  if (!ids.length) return <>{t('shifts.nobodyAssigned')}</>;
  return (
    <>
      {ids.map((id, i) => (
        <Fragment key={id}>
          {i > 0 && ', '}
          <UserText>{nameOf(id)}</UserText>
        </Fragment>
      ))}
    </>
  );
}

/** The "new ring group" button, or the form for the group being edited. */
function RingGroupEditor({
  editing,
  setEditing,
  volunteers,
  onChanged,
}: {
  editing: Editing;
  setEditing: (editing: Editing) => void;
  volunteers: Choice[];
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  if (!editing)
    return (
      <button type="button" onClick={() => setEditing('new')}>
        {t('shifts.newRingGroup')}
      </button>
    );
  return (
    <RingGroupForm
      key={editing === 'new' ? 'new' : editing.id}
      group={editing === 'new' ? null : editing}
      volunteers={volunteers}
      onDone={() => {
        setEditing(null);
        onChanged();
      }}
      onCancel={() => setEditing(null)}
    />
  );
}

const RingGroupFormValues = z
  .object({ name: z.string(), isFallback: z.boolean(), userIds: z.array(z.string()) })
  .transform((v): CreateRingGroupRequest => ({ ...v, name: v.name.trim() }));
type RingGroupFormInput = z.input<typeof RingGroupFormValues>;

/** The group to edit (null: a new one) and the volunteers it may hold. */
type RingGroupFormProps = { group: RingGroupView | null; volunteers: Choice[] } & FormEnd;

function RingGroupForm({ group, volunteers, onDone, onCancel }: RingGroupFormProps) {
  const { t } = useTranslation();
  const form = useForm<RingGroupFormInput, unknown, CreateRingGroupRequest>({
    resolver: zodResolver(RingGroupFormValues),
    defaultValues: {
      name: group?.name ?? '',
      isFallback: group?.isFallback ?? false,
      userIds: group?.userIds ?? [],
    },
  });
  const save = useSubmit(async (body: CreateRingGroupRequest) => {
    if (group) await updateRingGroup(group.id, body);
    else await createRingGroup(body);
    onDone();
  });

  return (
    <form onSubmit={form.handleSubmit(save.run)} aria-labelledby="ring-group-form-title">
      <h3 id="ring-group-form-title">{group ? t('shifts.editRingGroup') : t('shifts.newRingGroup')}</h3>
      <label htmlFor="ring-group-name">{t('shifts.name')}</label>
      <input id="ring-group-name" required maxLength={80} {...form.register('name')} />
      <label className="checkbox">
        <input type="checkbox" {...form.register('isFallback')} />
        {t('shifts.isFallback')}
      </label>
      <MemberCheckboxes control={form.control} legend={t('shifts.members')} volunteers={volunteers} />
      <FormActions submit={save} onCancel={onCancel} />
    </form>
  );
}
