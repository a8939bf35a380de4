import { zodResolver } from '@hookform/resolvers/zod';
import type { CreateShiftRequest, RingGroupView, ShiftView } from '@llamenos/protocol';
import { type UseFormRegister, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import type { Choice } from '../../components/CheckboxGroup.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { createShift, updateShift } from '../../lib/api/index.js';
import { MemberCheckboxes } from './MemberCheckboxes.js';
import { weekdayName } from './week.js';

/** What the form holds; the duration is entered as hours and minutes and sent in minutes. */
const ShiftFormValues = z
  .object({
    name: z.string(),
    weekday: z.number(),
    start: z.string(),
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
      start: v.start,
      durationMinutes: v.hours * 60 + v.minutes,
      ringGroupId: v.ringGroupId || null,
      active: v.active,
      userIds: v.userIds,
    }),
  );
type ShiftFormInput = z.input<typeof ShiftFormValues>;

// Number inputs and selects give strings; an emptied number field counts as 0, as it always has.
const asNumber = { setValueAs: (v: unknown) => Number(v) };

/** A shift lasts from a quarter of an hour to a whole day (the server checks it too). */
const durationOk = (hours: number, minutes: number) => {
  const duration = hours * 60 + minutes;
  return duration >= 15 && duration <= 1440;
};

const initialValues = (shift: ShiftView | null): ShiftFormInput => ({
  name: shift?.name ?? '',
  weekday: shift?.weekday ?? 0,
  start: shift?.start ?? '09:00',
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
}: {
  shift: ShiftView | null;
  ringGroups: RingGroupView[];
  volunteers: Choice[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const form = useForm<ShiftFormInput, unknown, CreateShiftRequest>({
    resolver: zodResolver(ShiftFormValues),
    defaultValues: initialValues(shift),
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
      <label htmlFor="shift-start">{t('shifts.start')}</label>
      <input id="shift-start" type="time" required {...register('start')} />
      <DurationFields register={register} />
      <label htmlFor="shift-group">{t('shifts.ringGroup')}</label>
      <select id="shift-group" {...register('ringGroupId')}>
        <option value="">{t('common.none')}</option>
        {ringGroups.map((g) => (
          <option key={g.id} value={g.id} dir="auto">
            {g.name}
          </option>
        ))}
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
