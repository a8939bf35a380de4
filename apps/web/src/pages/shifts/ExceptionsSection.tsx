import type {
  CreateShiftExceptionRequest,
  ShiftExceptionKind,
  ShiftExceptionView,
  WeekView,
} from '@llamenos/protocol';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import type { Choice } from '../../components/CheckboxGroup.js';
import { api } from '../../lib/api.js';
import { dateLabel } from './week.js';

/** One-off changes to this week: a closed day, a cancelled shift, a swap, an extra volunteer. */
export function ExceptionsSection({
  week,
  volunteers,
  nameOf,
  writable,
  onChanged,
}: {
  week: WeekView;
  volunteers: Choice[];
  nameOf: (userId: string) => string;
  writable: boolean;
  onChanged: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [error, setError] = useState<unknown>(null);
  const shiftName = (id: string | null) =>
    id === null ? t('shifts.allShifts') : (week.occurrences.find((o) => o.shiftId === id)?.name ?? id);

  function describe(e: ShiftExceptionView): string {
    if (e.kind === 'cancel') return t('shifts.exceptionCancel', { shift: shiftName(e.shiftId) });
    if (e.kind === 'swap')
      return t('shifts.exceptionSwap', {
        shift: shiftName(e.shiftId),
        out: nameOf(e.userOut ?? ''),
        in: nameOf(e.userIn ?? ''),
      });
    return t('shifts.exceptionExtra', { shift: shiftName(e.shiftId), in: nameOf(e.userIn ?? '') });
  }

  async function remove(id: string) {
    setError(null);
    try {
      await api('DELETE', `/api/shift-exceptions/${id}`);
      onChanged();
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="exceptions-title">
      <h2 id="exceptions-title">{t('shifts.exceptions')}</h2>
      {week.exceptions.length === 0 ? (
        <p>{t('shifts.noExceptions')}</p>
      ) : (
        <ul className="shift-list">
          {week.exceptions.map((e) => (
            <li key={e.id}>
              <strong>{dateLabel(e.date, i18n.language)}</strong>: {describe(e)}
              {e.note && <span className="hint"> — {e.note}</span>}
              {writable && (
                <button type="button" className="secondary danger-text" onClick={() => remove(e.id)}>
                  {t('common.delete')}
                  <span className="visually-hidden"> {describe(e)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ActionError error={error} />
      {writable && <ExceptionForm week={week} volunteers={volunteers} onDone={onChanged} />}
    </section>
  );
}

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
  const [date, setDate] = useState(week.dates[0] ?? '');
  const [kind, setKind] = useState<ShiftExceptionKind>('cancel');
  const [shiftId, setShiftId] = useState('');
  const [userOut, setUserOut] = useState('');
  const [userIn, setUserIn] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const shiftsThatDay = week.occurrences.filter((o) => o.date === date);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body: CreateShiftExceptionRequest = {
      date,
      kind,
      shiftId: shiftId || null,
      userOut: kind === 'swap' ? userOut || null : null,
      userIn: kind === 'cancel' ? null : userIn || null,
      note: note.trim(),
    };
    try {
      await api('POST', '/api/shift-exceptions', body);
      setNote('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const userSelect = (id: string, label: string, value: string, set: (v: string) => void) => (
    <>
      <label htmlFor={id}>{label}</label>
      <select id={id} required value={value} onChange={(e) => set(e.target.value)}>
        <option value="" disabled>
          {t('shifts.choose')}
        </option>
        {volunteers.map((v) => (
          <option key={v.value} value={v.value} dir="auto">
            {v.label}
          </option>
        ))}
      </select>
    </>
  );

  return (
    <form onSubmit={submit} aria-labelledby="exception-form-title">
      <h3 id="exception-form-title">{t('shifts.addException')}</h3>
      <label htmlFor="exception-date">{t('shifts.date')}</label>
      <select
        id="exception-date"
        value={date}
        onChange={(e) => {
          setDate(e.target.value);
          setShiftId('');
        }}
      >
        {week.dates.map((d) => (
          <option key={d} value={d}>
            {dateLabel(d, i18n.language)}
          </option>
        ))}
      </select>
      <label htmlFor="exception-kind">{t('shifts.kind')}</label>
      <select
        id="exception-kind"
        value={kind}
        onChange={(e) => setKind(e.target.value as ShiftExceptionKind)}
      >
        <option value="cancel">{t('shifts.kindCancel')}</option>
        <option value="swap">{t('shifts.kindSwap')}</option>
        <option value="extra">{t('shifts.kindExtra')}</option>
      </select>
      <label htmlFor="exception-shift">{t('shifts.shift')}</label>
      <select
        id="exception-shift"
        value={shiftId}
        required={kind !== 'cancel'}
        onChange={(e) => setShiftId(e.target.value)}
      >
        <option value="" disabled={kind !== 'cancel'}>
          {kind === 'cancel' ? t('shifts.allShifts') : t('shifts.choose')}
        </option>
        {shiftsThatDay.map((o) => (
          <option key={o.shiftId} value={o.shiftId} dir="auto">
            {o.name} ({o.localStart})
          </option>
        ))}
      </select>
      {kind === 'swap' && userSelect('exception-out', t('shifts.userOut'), userOut, setUserOut)}
      {kind !== 'cancel' && userSelect('exception-in', t('shifts.userIn'), userIn, setUserIn)}
      <label htmlFor="exception-note">{t('shifts.note')}</label>
      <input id="exception-note" maxLength={300} value={note} onChange={(e) => setNote(e.target.value)} />
      <ActionError error={error} />
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('shifts.addException')}
        </button>
      </div>
    </form>
  );
}
