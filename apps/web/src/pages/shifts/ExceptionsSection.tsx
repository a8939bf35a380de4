import { zodResolver } from '@hookform/resolvers/zod';
import {
  type CreateShiftExceptionRequest,
  ShiftExceptionKind,
  type ShiftExceptionView,
  type WeekView,
} from '@llamenos/protocol';
import type { TFunction } from 'i18next';
import { type UseFormRegisterReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { ActionError } from '../../components/ActionError.js';
import type { Choice } from '../../components/CheckboxGroup.js';
import { RowAction } from '../../components/DataTable.js';
import { EmptyState } from '../../components/EmptyState.js';
import { NamedOptions } from '../../components/NamedOptions.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createShiftException, deleteShiftException } from '../../lib/api/index.js';
import type { ScheduleSectionProps } from './sectionProps.js';
import { formatTimeOfDay } from './time-of-day.js';
import { dateLabel } from './week.js';

/** One exception in a sentence: "Night shift cancelled", "Ana instead of Bo on Night shift". */
function describeException(
  e: ShiftExceptionView,
  week: WeekView,
  nameOf: (userId: string) => string,
  t: TFunction,
): string {
  const shift =
    e.shiftId === null
      ? t('shifts.allShifts')
      : (week.occurrences.find((o) => o.shiftId === e.shiftId)?.name ?? e.shiftId);
  if (e.kind === 'cancel') return t('shifts.exceptionCancel', { shift });
  if (e.kind === 'swap')
    return t('shifts.exceptionSwap', { shift, out: nameOf(e.userOut ?? ''), in: nameOf(e.userIn ?? '') });
  return t('shifts.exceptionExtra', { shift, in: nameOf(e.userIn ?? '') });
}

/** One-off changes to this week: a closed day, a cancelled shift, a swap, an extra volunteer. */
export function ExceptionsSection({
  week,
  volunteers,
  nameOf,
  writable,
  onChanged,
}: { week: WeekView } & ScheduleSectionProps) {
  const { t, i18n } = useTranslation();
  const describe = (e: ShiftExceptionView) => describeException(e, week, nameOf, t);
  const remove = useSubmit(async (id: string) => {
    await deleteShiftException(id);
    onChanged();
  });

  return (
    <section aria-labelledby="exceptions-title">
      <h2 id="exceptions-title">{t('shifts.exceptions')}</h2>
      {week.exceptions.length === 0 ? (
        <EmptyState>{t('shifts.noExceptions')}</EmptyState>
      ) : (
        <ul className="shift-list">
          {week.exceptions.map((e) => (
            <li key={e.id}>
              <strong>{dateLabel(e.date, i18n.language)}</strong>: {describe(e)}
              {e.note && <span className="hint"> — {e.note}</span>}
              {writable && (
                <RowAction
                  action={t('common.delete')}
                  item={describe(e)}
                  danger
                  onClick={() => void remove.run(e.id)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      <ActionError error={remove.error} />
      {writable && <ExceptionForm week={week} volunteers={volunteers} onDone={onChanged} />}
    </section>
  );
}

const ExceptionFormValues = z
  .object({
    date: z.string(),
    kind: ShiftExceptionKind,
    shiftId: z.string(),
    userOut: z.string(),
    userIn: z.string(),
    note: z.string(),
  })
  .transform(
    (v): CreateShiftExceptionRequest => ({
      date: v.date,
      kind: v.kind,
      shiftId: v.shiftId || null,
      userOut: v.kind === 'swap' ? v.userOut || null : null,
      userIn: v.kind === 'cancel' ? null : v.userIn || null,
      note: v.note.trim(),
    }),
  );
type ExceptionFormInput = z.input<typeof ExceptionFormValues>;

/** A required choice of volunteer (who leaves a shift, or who joins it). */
function VolunteerSelect({
  id,
  label,
  volunteers,
  field,
}: {
  id: string;
  label: string;
  volunteers: Choice[];
  field: UseFormRegisterReturn;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} required {...field}>
        <option value="" disabled>
          {t('shifts.choose')}
        </option>
        <NamedOptions options={volunteers} />
      </select>
    </>
  );
}

/** A shift of the day as a choice: its name and its start in the hotline's time zone. */
const shiftChoice = (o: WeekView['occurrences'][number], locale: string) => ({
  value: o.shiftId,
  label: `${o.name} (${formatTimeOfDay(o.localStart, locale)})`,
});

function ExceptionForm({
  week,
  volunteers,
  onDone,
}: {
  week: WeekView;
  volunteers: Choice[];
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const form = useForm<ExceptionFormInput, unknown, CreateShiftExceptionRequest>({
    resolver: zodResolver(ExceptionFormValues),
    defaultValues: {
      date: week.dates[0] ?? '',
      kind: 'cancel',
      shiftId: '',
      userOut: '',
      userIn: '',
      note: '',
    },
  });
  const { register } = form;
  const [date, kind] = form.watch(['date', 'kind']);
  const shiftsThatDay = week.occurrences.filter((o) => o.date === date);
  const save = useSubmit(async (body: CreateShiftExceptionRequest) => {
    await createShiftException(body);
    form.setValue('note', '');
    onDone();
  });

  return (
    <form onSubmit={form.handleSubmit(save.run)} aria-labelledby="exception-form-title">
      <h3 id="exception-form-title">{t('shifts.addException')}</h3>
      <label htmlFor="exception-date">{t('shifts.date')}</label>
      <select id="exception-date" {...register('date', { onChange: () => form.setValue('shiftId', '') })}>
        {week.dates.map((d) => (
          <option key={d} value={d}>
            {dateLabel(d, i18n.language)}
          </option>
        ))}
      </select>
      <label htmlFor="exception-kind">{t('shifts.kind')}</label>
      <select id="exception-kind" {...register('kind')}>
        <option value="cancel">{t('shifts.kindCancel')}</option>
        <option value="swap">{t('shifts.kindSwap')}</option>
        <option value="extra">{t('shifts.kindExtra')}</option>
      </select>
      <label htmlFor="exception-shift">{t('shifts.shift')}</label>
      <select id="exception-shift" required={kind !== 'cancel'} {...register('shiftId')}>
        <option value="" disabled={kind !== 'cancel'}>
          {kind === 'cancel' ? t('shifts.allShifts') : t('shifts.choose')}
        </option>
        <NamedOptions options={shiftsThatDay.map((o) => shiftChoice(o, i18n.language))} />
      </select>
      {kind === 'swap' && (
        <VolunteerSelect
          id="exception-out"
          label={t('shifts.userOut')}
          volunteers={volunteers}
          field={register('userOut')}
        />
      )}
      {kind !== 'cancel' && (
        <VolunteerSelect
          id="exception-in"
          label={t('shifts.userIn')}
          volunteers={volunteers}
          field={register('userIn')}
        />
      )}
      <label htmlFor="exception-note">{t('shifts.note')}</label>
      <input id="exception-note" maxLength={300} {...register('note')} />
      <FormActions submit={save} action={t('shifts.addException')} />
    </form>
  );
}
