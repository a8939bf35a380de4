import type { CreateShiftRequest, RingGroupView, ShiftView } from '@llamenos/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { CheckboxGroup, type Choice } from '../../components/CheckboxGroup.js';
import { api } from '../../lib/api.js';
import { weekdayName } from './week.js';

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
  const [name, setName] = useState(shift?.name ?? '');
  const [weekday, setWeekday] = useState(shift?.weekday ?? 0);
  const [start, setStart] = useState(shift?.start ?? '09:00');
  const [hours, setHours] = useState(Math.floor((shift?.durationMinutes ?? 240) / 60));
  const [minutes, setMinutes] = useState((shift?.durationMinutes ?? 240) % 60);
  const [ringGroupId, setRingGroupId] = useState(shift?.ringGroupId ?? '');
  const [active, setActive] = useState(shift?.active ?? true);
  const [userIds, setUserIds] = useState<string[]>(shift?.userIds ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const duration = hours * 60 + minutes;
  const durationOk = duration >= 15 && duration <= 1440;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: CreateShiftRequest = {
      name: name.trim(),
      weekday,
      start,
      durationMinutes: duration,
      ringGroupId: ringGroupId || null,
      active,
      userIds,
    };
    try {
      if (shift) await api('PATCH', `/api/shifts/${shift.id}`, body);
      else await api('POST', '/api/shifts', body);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <label htmlFor="shift-name">{t('shifts.name')}</label>
      <input id="shift-name" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="shift-weekday">{t('shifts.weekday')}</label>
      <select id="shift-weekday" value={weekday} onChange={(e) => setWeekday(Number(e.target.value))}>
        {[0, 1, 2, 3, 4, 5, 6].map((d) => (
          <option key={d} value={d}>
            {weekdayName(d, i18n.language)}
          </option>
        ))}
      </select>
      <label htmlFor="shift-start">{t('shifts.start')}</label>
      <input id="shift-start" type="time" required value={start} onChange={(e) => setStart(e.target.value)} />
      <fieldset className="plain">
        <legend>{t('shifts.duration')}</legend>
        <div className="inline-fields">
          <label htmlFor="shift-hours">{t('shifts.hours')}</label>
          <input
            id="shift-hours"
            type="number"
            min={0}
            max={24}
            value={hours}
            onChange={(e) => setHours(Number(e.target.value))}
          />
          <label htmlFor="shift-minutes">{t('shifts.minutes')}</label>
          <input
            id="shift-minutes"
            type="number"
            min={0}
            max={59}
            step={5}
            value={minutes}
            onChange={(e) => setMinutes(Number(e.target.value))}
          />
        </div>
        <p className="hint">{t('shifts.durationHint')}</p>
      </fieldset>
      <label htmlFor="shift-group">{t('shifts.ringGroup')}</label>
      <select id="shift-group" value={ringGroupId} onChange={(e) => setRingGroupId(e.target.value)}>
        <option value="">{t('common.none')}</option>
        {ringGroups.map((g) => (
          <option key={g.id} value={g.id} dir="auto">
            {g.name}
          </option>
        ))}
      </select>
      <label className="checkbox">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} />
        {t('shifts.active')}
      </label>
      <CheckboxGroup
        legend={t('shifts.volunteers')}
        choices={volunteers}
        value={userIds}
        onChange={setUserIds}
        className="checkbox-group columns"
      />
      <ActionError error={error} />
      <div className="button-row">
        <button type="submit" disabled={busy || !durationOk}>
          {busy ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
