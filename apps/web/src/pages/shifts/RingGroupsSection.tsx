import type { RingGroupView } from '@llamenos/protocol';
import { type FormEvent, Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { CheckboxGroup, type Choice } from '../../components/CheckboxGroup.js';
import { UserText } from '../../components/UserText.js';
import { api } from '../../lib/api.js';

/** Ring groups: teams a shift can ring, and the one fallback group rung when nobody is on shift. */
export function RingGroupsSection({
  groups,
  volunteers,
  nameOf,
  writable,
  onChanged,
}: {
  groups: RingGroupView[];
  volunteers: Choice[];
  nameOf: (userId: string) => string;
  writable: boolean;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState<RingGroupView | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function remove(group: RingGroupView) {
    setError(null);
    try {
      await api('DELETE', `/api/ring-groups/${group.id}`);
      onChanged();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="ring-groups-title">
      <h2 id="ring-groups-title">{t('shifts.ringGroups')}</h2>
      <p className="hint">{t('shifts.fallbackExplain')}</p>
      {groups.length === 0 && <p>{t('shifts.noRingGroups')}</p>}
      <ul className="shift-list">
        {groups.map((g) => (
          <li key={g.id}>
            <strong dir="auto">{g.name}</strong>
            {g.isFallback && <span className="badge">{t('shifts.fallback')}</span>}
            <span className="hint">
              {' '}
              {g.userIds.length
                ? g.userIds.map((id, i) => (
                    <Fragment key={id}>
                      {i > 0 && ', '}
                      <UserText>{nameOf(id)}</UserText>
                    </Fragment>
                  ))
                : t('shifts.nobodyAssigned')}
            </span>
            {writable && (
              <span className="button-row compact">
                <button type="button" className="secondary" onClick={() => setEditing(g)}>
                  {t('common.edit')}
                  <span className="visually-hidden"> {g.name}</span>
                </button>
                <button type="button" className="secondary danger-text" onClick={() => remove(g)}>
                  {t('common.delete')}
                  <span className="visually-hidden"> {g.name}</span>
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      <ActionError error={error} />
      {writable &&
        (editing ? (
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
        ) : (
          <button type="button" onClick={() => setEditing('new')}>
            {t('shifts.newRingGroup')}
          </button>
        ))}
    </section>
  );
}

function RingGroupForm({
  group,
  volunteers,
  onDone,
  onCancel,
}: {
  group: RingGroupView | null;
  volunteers: Choice[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState(group?.name ?? '');
  const [isFallback, setIsFallback] = useState(group?.isFallback ?? false);
  const [userIds, setUserIds] = useState<string[]>(group?.userIds ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { name: name.trim(), isFallback, userIds };
    try {
      if (group) await api('PATCH', `/api/ring-groups/${group.id}`, body);
      else await api('POST', '/api/ring-groups', body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby="ring-group-form-title">
      <h3 id="ring-group-form-title">{group ? t('shifts.editRingGroup') : t('shifts.newRingGroup')}</h3>
      <label htmlFor="ring-group-name">{t('shifts.name')}</label>
      <input
        id="ring-group-name"
        required
        maxLength={80}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <label className="checkbox">
        <input type="checkbox" checked={isFallback} onChange={(e) => setIsFallback(e.target.checked)} />
        {t('shifts.isFallback')}
      </label>
      <CheckboxGroup
        legend={t('shifts.members')}
        choices={volunteers}
        value={userIds}
        onChange={setUserIds}
        className="checkbox-group columns"
      />
      <ActionError error={error} />
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
