import { zodResolver } from '@hookform/resolvers/zod';
import type { CreateShiftRequest, RingGroupView, ShiftView } from '@llamenos/protocol';
import { type UseFormRegister, type UseFormReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { Choice } from '../../components/CheckboxGroup.js';
import { NamedOptions } from '../../components/NamedOptions.js';
import type { FormEnd } from '../../components/props.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createShift, updateShift } from '../../lib/api/index.js';
import { MemberCheckboxes } from './MemberCheckboxes.js';
import { formatTimeOfDay, parseTimeOfDay } from './time-of-day.js';
import { weekdayName } from './week.js';

/**
 * What the form holds; the duration is entered as hours and minutes and sent in minutes. The
 * start is typed in the member's clock (time-of-day.ts) and sent as "HH:MM".
 */
const shiftFormValues = (locale: string, badTime: string) =>
  z
    .object({
      name: z.string(),
      weekday: z.number(),
      start: z.string().refine((text) => parseTimeOfDay(text, locale) !== null, badTime),
      hours: z.number(),
      minutes: z.number(),
      ringGroupId: z.string(),
      active: z.boolean(),
      userIds: z.array(z.string()),
    })
    .transform(
      (v): CreateShiftRequest => ({
        name: v.name.trim(),
        weekday: v.weekday,
        start: parseTimeOfDay(v.start, locale) ?? v.start,
        durationMinutes: v.hours * 60 + v.minutes,
        ringGroupId: v.ringGroupId || null,
        active: v.active,
        userIds: v.userIds,
      }),
    );
type ShiftFormInput = z.input<ReturnType<typeof shiftFormValues>>;

// Number inputs and selects give strings; an emptied number field counts as 0, as it always has.
const asNumber = { setValueAs: (v: unknown) => Number(v) };

/** A shift lasts from a quarter of an hour to a whole day (the server checks it too). */
const durationOk = (hours: number, minutes: number) => {
  const duration = hours * 60 + minutes;
  return duration >= 15 && duration <= 1440;
};

const initialValues = (shift: ShiftView | null, locale: string): ShiftFormInput => ({
  name: shift?.name ?? '',
  weekday: shift?.weekday ?? 0,
  start: formatTimeOfDay(shift?.start ?? '09:00', locale),
  hours: Math.floor((shift?.durationMinutes ?? 240) / 60),
  minutes: (shift?.durationMinutes ?? 240) % 60,
  ringGroupId: shift?.ringGroupId ?? '',
  active: shift?.active ?? true,
  userIds: shift?.userIds ?? [],
});

/** Create or edit a shift: when it recurs, how long it lasts, and who it rings. */
export function ShiftForm({
  shift,
  ringGroups,
  volunteers,
  onDone,
  onCancel,
}: { shift: ShiftView | null; ringGroups: RingGroupView[]; volunteers: Choice[] } & FormEnd) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const form = useForm<ShiftFormInput, unknown, CreateShiftRequest>({
    resolver: zodResolver(
      shiftFormValues(locale, t('shifts.startInvalid', { example: formatTimeOfDay('21:30', locale) })),
    ),
    defaultValues: initialValues(shift, locale),
  });
  const { register } = form;
  const save = useSubmit(async (body: CreateShiftRequest) => {
    if (shift) await updateShift(shift.id, body);
    else await createShift(body);
    onDone();
  });
  const [hours, minutes] = form.watch(['hours', 'minutes']);

  return (
    <form onSubmit={form.handleSubmit(save.run)}>
      <label htmlFor="shift-name">{t('shifts.name')}</label>
      <input id="shift-name" required maxLength={80} {...register('name')} />
      <label htmlFor="shift-weekday">{t('shifts.weekday')}</label>
      <select id="shift-weekday" {...register('weekday', asNumber)}>
        {[0, 1, 2, 3, 4, 5, 6].map((d) => (
          <option key={d} value={d}>
            {weekdayName(d, i18n.language)}
          </option>
        ))}
      </select>
      <StartTimeField form={form} locale={locale} />
      <DurationFields register={register} />
      <label htmlFor="shift-group">{t('shifts.ringGroup')}</label>
      <select id="shift-group" {...register('ringGroupId')}>
        <option value="">{t('common.none')}</option>
        <NamedOptions options={ringGroups.map((g) => ({ value: g.id, label: g.name }))} />
      </select>
      <label className="checkbox">
        <input type="checkbox" {...register('active')} />
        {t('shifts.active')}
      </label>
      <MemberCheckboxes control={form.control} legend={t('shifts.volunteers')} volunteers={volunteers} />
      <FormActions submit={save} disabled={!durationOk(hours, minutes)} onCancel={onCancel} />
    </form>
  );
}

/**
 * The start time as text in the member's clock, with an example of it; what was typed is
 * rewritten in that clock when the field is left ("21:30" becomes "9:30 PM" in English).
 * A native time input would follow the browser's region instead, next to a calendar that
 * follows the member's language.
 */
function StartTimeField({
  form,
  locale,
}: {
  form: UseFormReturn<ShiftFormInput, unknown, CreateShiftRequest>;
  locale: string;
}) {
  const { t } = useTranslation();
  const problem = form.formState.errors.start?.message;
  const field = form.register('start', {
    onBlur: (e: { target: { value: string } }) => {
      const parsed = parseTimeOfDay(e.target.value, locale);
      if (parsed) form.setValue('start', formatTimeOfDay(parsed, locale));
    },
  });
  return (
    <>
      <label htmlFor="shift-start">{t('shifts.start')}</label>
      <input
        id="shift-start"
        required
        autoComplete="off"
        inputMode="text"
        className="time-input"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? 'shift-start-hint shift-start-problem' : 'shift-start-hint'}
        {...field}
      />
      <p id="shift-start-hint" className="hint">
        {t('shifts.startHint', { example: formatTimeOfDay('21:30', locale) })}
      </p>
      {problem && (
        <p id="shift-start-problem" className="error">
          {problem}
        </p>
      )}
    </>
  );
}

/** The duration as hours and minutes (stored in minutes). */
function DurationFields({ register }: { register: UseFormRegister<ShiftFormInput> }) {
  const { t } = useTranslation();
  return (
    <fieldset className="plain">
      <legend>{t('shifts.duration')}</legend>
      <div className="inline-fields">
        <label htmlFor="shift-hours">{t('shifts.hours')}</label>
        <input id="shift-hours" type="number" min={0} max={24} {...register('hours', asNumber)} />
        <label htmlFor="shift-minutes">{t('shifts.minutes')}</label>
        <input
          id="shift-minutes"
          type="number"
          min={0}
          max={59}
          step={5}
          {...register('minutes', asNumber)}
        />
      </div>
      <p className="hint">{t('shifts.durationHint')}</p>
    </fieldset>
  );
}
