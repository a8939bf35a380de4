import type { CreateBansResponse } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ActionError } from '../../components/ActionError.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { PageHeading } from '../../components/PageHeading.js';
import { useSubmit } from '../../components/useSubmit.js';
import { addBans, removeBan } from '../../lib/calls/api.js';
import { queries } from '../../lib/queries/index.js';

/** Numbers typed or pasted by an admin: one a line (commas and semicolons work too), spacing removed. */
const parseNumbers = (text: string) =>
  text
    .split(/[\n,;]/)
    .map((n) => n.replace(/[\s().-]/g, ''))
    .filter(Boolean);

function AddBansForm({ bulk, onAdded }: { bulk: boolean; onAdded: () => void }) {
  const { t } = useTranslation();
  const prefix = bulk ? 'ban-bulk' : 'ban-one';
  const [numbers, setNumbers] = useState('');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<CreateBansResponse | null>(null);

  const add = useSubmit(async (list: string[]) => {
    setResult(null);
    const answer = await addBans(list, reason.trim());
    setResult(answer);
    setNumbers('');
    onAdded();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const list = parseNumbers(numbers);
    if (list.length) void add.run(list);
  };

  return (
    <form onSubmit={submit} className="panel" aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>{bulk ? t('calls.bans.bulkTitle') : t('calls.bans.addTitle')}</h2>
      <label htmlFor={`${prefix}-numbers`}>{bulk ? t('calls.bans.numbers') : t('calls.bans.number')}</label>
      {bulk ? (
        <textarea
          id={`${prefix}-numbers`}
          className="ltr"
          rows={6}
          required
          aria-describedby={`${prefix}-hint`}
          value={numbers}
          onChange={(e) => setNumbers(e.target.value)}
        />
      ) : (
        <input
          id={`${prefix}-numbers`}
          className="ltr"
          type="tel"
          required
          autoComplete="off"
          aria-describedby={`${prefix}-hint`}
          value={numbers}
          onChange={(e) => setNumbers(e.target.value)}
        />
      )}
      <p id={`${prefix}-hint`} className="hint">
        {bulk ? t('calls.bans.bulkHint') : t('calls.bans.numberHint')}
      </p>
      <label htmlFor={`${prefix}-reason`}>{t('calls.bans.reason')}</label>
      <input
        id={`${prefix}-reason`}
        maxLength={200}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <ActionError error={add.error} />
      <p role="status" className="success" data-testid={`${prefix}-result`}>
        {result
          ? t('calls.bans.result', {
              added: result.added,
              invalid: result.invalid.length,
              lines: result.invalid.map((i) => i + 1).join(', ') || '—',
            })
          : ''}
      </p>
      <button type="submit" disabled={add.busy}>
        {add.busy ? t('common.saving') : bulk ? t('calls.bans.import') : t('calls.bans.add')}
      </button>
    </form>
  );
}

/** The ban list: callers refused before any volunteer's phone rings. Last 4 digits only. */
export function BansPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const bans = useQuery(queries.bans());
  const reload = () => void bans.refetch();
  const [removing, setRemoving] = useState<string | null>(null);
  const writable = can(me, 'bans:write');
  const shown = (last4: string | null) => (last4 ? `…${last4}` : t('calls.withheld'));

  return (
    <section>
      <PageHeading>{t('calls.bans.title')}</PageHeading>
      <p className="hint">{t('calls.bans.help')}</p>
      {writable && (
        <div className="two-forms">
          <AddBansForm bulk={false} onAdded={reload} />
          <AddBansForm bulk onAdded={reload} />
        </div>
      )}
      <section className="panel" aria-labelledby="ban-list-title">
        <h2 id="ban-list-title">{t('calls.bans.listTitle')}</h2>
        <ErrorMessage error={bans.error} />
        {bans.data && bans.data.length === 0 && <p>{t('calls.bans.none')}</p>}
        {bans.data && bans.data.length > 0 && (
          <div className="table-wrap">
            <table data-testid="ban-list">
              <caption className="visually-hidden">{t('calls.bans.listTitle')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('calls.caller')}</th>
                  <th scope="col">{t('calls.bans.reason')}</th>
                  <th scope="col">{t('calls.bans.added')}</th>
                  {writable && <th scope="col">{t('common.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {bans.data.map((b) => (
                  <tr key={b.callerHash}>
                    <td className="ltr-cell">{shown(b.callerLast4)}</td>
                    <td dir="auto">{b.reason}</td>
                    <td>{formatDateTime(b.createdAt, i18n.language)}</td>
                    {writable && (
                      <td>
                        <button
                          type="button"
                          className="secondary danger-text"
                          onClick={() => setRemoving(b.callerHash)}
                        >
                          {t('calls.bans.remove')}
                          <span className="visually-hidden"> {shown(b.callerLast4)}</span>
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <ConfirmDialog
        open={removing !== null}
        title={t('calls.bans.removeTitle')}
        message={t('calls.bans.removeExplain')}
        confirmLabel={t('calls.bans.remove')}
        onConfirm={async () => {
          if (removing) await removeBan(removing);
          reload();
        }}
        onClose={() => setRemoving(null)}
      />
    </section>
  );
}
