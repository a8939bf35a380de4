import type { OccurrenceView, RingGroupView, ShiftView } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import type { Choice } from '../../components/CheckboxGroup.js';
import { useConfirmRemoval } from '../../components/ConfirmDialog.js';
import { Dialog } from '../../components/Dialog.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Page } from '../../components/PageHeading.js';
import { deleteShift } from '../../lib/api/index.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { ExceptionsSection } from './ExceptionsSection.js';
import { RingGroupsSection } from './RingGroupsSection.js';
import { ShiftForm } from './ShiftForm.js';
import type { ScheduleSectionProps } from './sectionProps.js';
import './shifts.css';
import { userTextIn } from '../../components/UserText.js';
import { WeekCalendar } from './WeekCalendar.js';
import { addDays, dateLabel, mondayOf, todayIn } from './week.js';

type Editing = { kind: 'new' } | { kind: 'edit'; shift: ShiftView } | null;

/** The schedule editor: a week calendar in the hotline's time zone, ring groups and exceptions. */
export function ShiftsAdminPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const writable = can(me, 'shifts:write');
  const schedule = useQuery(queries.schedule());
  // Names need users:read; without it volunteers are shown by id.
  const users = useQuery({ ...queries.users({ active: true }), enabled: can(me, 'users:read') });
  const timeZone = schedule.data?.timeZone;
  const [chosenStart, setStart] = useState<string | null>(null);
  const start = chosenStart ?? (timeZone ? mondayOf(todayIn(timeZone)) : null);
  const week = useQuery({ ...queries.week(start ?? ''), enabled: start !== null });
  const [editing, setEditing] = useState<Editing>(null);
  const [error, setError] = useState<unknown>(null);

  const names = new Map((users.data ?? []).map((u) => [u.id, u.displayName]));
  // While the names load, a member shows as "…", never as a raw id that then changes under the eye.
  const nameOf = (id: string) => names.get(id) ?? (users.isLoading ? '…' : id);
  const volunteers: Choice[] = (users.data ?? []).map((u) => ({ value: u.id, label: u.displayName }));
  // Every shift read (schedule, weeks, "mine", "on shift now") is stale after a change.
  const queryClient = useQueryClient();
  const reload = () => void queryClient.invalidateQueries({ queryKey: queryKeys.shifts });
  const deletion = useDeleteShift(setError, reload);
  const sectionProps: ScheduleSectionProps = { volunteers, nameOf, writable, onChanged: reload };
  const open = (o: OccurrenceView) => {
    const shift = schedule.data?.shifts.find((s) => s.id === o.shiftId);
    if (shift && writable) setEditing({ kind: 'edit', shift });
  };

  return (
    <Page title={t('shifts.adminTitle')}>
      <ErrorMessage error={schedule.error ?? week.error ?? users.error} />
      {timeZone && <p className="hint">{t('shifts.timeZoneNote', { zone: timeZone })}</p>}
      {start && (
        <WeekNav
          start={start}
          timeZone={timeZone}
          onStart={setStart}
          onNew={writable ? () => setEditing({ kind: 'new' }) : undefined}
          ready={Boolean(schedule.data)}
        />
      )}
      {(schedule.isLoading || week.isLoading) && <p aria-busy="true">{t('app.loading')}</p>}
      {week.data && <WeekCalendar week={week.data} nameOf={nameOf} onOpen={open} />}
      <ActionError error={error} />
      {week.data && <ExceptionsSection week={week.data} {...sectionProps} />}
      {schedule.data && <RingGroupsSection groups={schedule.data.ringGroups} {...sectionProps} />}
      <ShiftDialog
        editing={editing}
        ringGroups={schedule.data?.ringGroups}
        volunteers={volunteers}
        onClose={() => setEditing(null)}
        onSaved={reload}
        onDelete={deletion.ask}
      />
      {deletion.dialog}
    </Page>
  );
}

/** Previous / next / this week, the week's title, and "new shift" for those who may write. */
function WeekNav({
  start,
  timeZone,
  onStart,
  onNew,
  ready,
}: {
  start: string;
  timeZone: string | undefined;
  onStart: (start: string) => void;
  onNew?: () => void;
  ready: boolean;
}) {
  const { t, i18n } = useTranslation();
  return (
    <div className="week-nav">
      <button type="button" className="secondary" onClick={() => onStart(addDays(start, -7))}>
        {t('shifts.previousWeek')}
      </button>
      <h2 aria-live="polite">{t('shifts.weekOf', { date: dateLabel(start, i18n.language) })}</h2>
      <button type="button" className="secondary" onClick={() => onStart(addDays(start, 7))}>
        {t('shifts.nextWeek')}
      </button>
      {timeZone && (
        <button type="button" className="secondary" onClick={() => onStart(mondayOf(todayIn(timeZone)))}>
          {t('shifts.thisWeek')}
        </button>
      )}
      {onNew && (
        <button type="button" onClick={onNew} disabled={!ready}>
          {t('shifts.newShift')}
        </button>
      )}
    </div>
  );
}

/** The shift form in a dialog; an existing shift can also be deleted from here. */
function ShiftDialog({
  editing,
  ringGroups,
  volunteers,
  onClose,
  onSaved,
  onDelete,
}: {
  editing: Editing;
  ringGroups: RingGroupView[] | undefined;
  volunteers: Choice[];
  onClose: () => void;
  onSaved: () => void;
  onDelete: (shift: ShiftView) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog
      open={editing !== null}
      title={
        editing?.kind === 'edit'
          ? userTextIn(t, 'shifts.editShift', { name: editing.shift.name })
          : t('shifts.newShift')
      }
      onClose={onClose}
    >
      {editing && ringGroups && (
        <>
          <ShiftForm
            key={editing.kind === 'edit' ? editing.shift.id : 'new'}
            shift={editing.kind === 'edit' ? editing.shift : null}
            ringGroups={ringGroups}
            volunteers={volunteers}
            onDone={() => {
              onClose();
              onSaved();
            }}
            onCancel={onClose}
          />
          {editing.kind === 'edit' && (
            <button
              type="button"
              className="secondary danger-text"
              onClick={() => {
                onDelete(editing.shift);
                onClose();
              }}
            >
              {t('shifts.deleteShift')}
            </button>
          )}
        </>
      )}
    </Dialog>
  );
}

/**
 * Asks before deleting a shift. A refusal is shown on the page, under the calendar, and the
 * schedule is read again either way (another admin may have changed it meanwhile).
 */
function useDeleteShift(onError: (error: unknown) => void, onDeleted: () => void) {
  const { t } = useTranslation();
  return useConfirmRemoval({
    remove: async (doomed: ShiftView) => {
      onError(null);
      try {
        await deleteShift(doomed.id);
      } catch (e) {
        onError(e);
      }
      onDeleted();
    },
    title: (doomed) => userTextIn(t, 'shifts.deleteTitle', { name: doomed.name }),
    message: t('shifts.deleteExplain'),
    confirmLabel: t('common.delete'),
  });
}
