import type { CreateBansResponse } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { RowAction } from '../../components/DataTable.js';
import { formatDateTime, lastDigits } from '../../components/format.js';
import { Page } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { PhoneInput } from '../../components/PhoneInput.js';
import { FormActions } from '../../components/SubmitButton.js';
import { TablePanel } from '../../components/TablePanel.js';
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
    <Panel
      id={`${prefix}-title`}
      title={bulk ? t('calls.bans.bulkTitle') : t('calls.bans.addTitle')}
      onSubmit={submit}
    >
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
        <PhoneInput
          id={`${prefix}-numbers`}
          required
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
      <p role="status" className="success" data-testid={`${prefix}-result`}>
        {result
          ? t('calls.bans.result', {
              added: result.added,
              invalid: result.invalid.length,
              lines: result.invalid.map((i) => i + 1).join(', ') || '—',
            })
          : ''}
      </p>
      <FormActions submit={add} action={bulk ? t('calls.bans.import') : t('calls.bans.add')} />
    </Panel>
  );
}

/** The ban list: callers refused before any volunteer's phone rings. Last 4 digits only. */
export function BansPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const bans = useQuery(queries.bans());
  const reload = () => void bans.refetch();
  const [removing, setRemoving] = useState<string | null>(null);
  const writable = can(me, 'bans:write');
  const shown = (last4: string | null) => lastDigits(last4, t('calls.withheld'));

  return (
    <Page title={t('calls.bans.title')}>
      <p className="hint">{t('calls.bans.help')}</p>
      {writable && (
        <div className="two-forms">
          <AddBansForm bulk={false} onAdded={reload} />
          <AddBansForm bulk onAdded={reload} />
        </div>
      )}
      <TablePanel
        id="ban-list-title"
        title={t('calls.bans.listTitle')}
        query={bans}
        testId="ban-list"
        rowKey={(b) => b.callerHash}
        empty={t('calls.bans.none')}
        columns={[
          { header: t('calls.caller'), cell: (b) => shown(b.callerLast4), direction: 'ltr' },
          { header: t('calls.bans.reason'), cell: (b) => b.reason, direction: 'auto' },
          { header: t('calls.bans.added'), cell: (b) => formatDateTime(b.createdAt, i18n.language) },
        ]}
        actions={
          writable
            ? (b) => (
                <RowAction
                  action={t('calls.bans.remove')}
                  item={shown(b.callerLast4)}
                  danger
                  onClick={() => setRemoving(b.callerHash)}
                />
              )
            : undefined
        }
      />
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
    </Page>
  );
}
