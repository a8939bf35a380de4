import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmedButton } from '../../components/ConfirmDialog.js';
import { formatDateTime } from '../../components/format.js';
import { TablePanel } from '../../components/TablePanel.js';
import { revokeOtherSessions } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

/** Passkey sign-ins on other devices; a lost phone is signed out from here. */
export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const sessions = useQuery(queries.sessions());
  const [revoked, setRevoked] = useState<number | null>(null);

  return (
    <TablePanel
      id="sessions-title"
      title={t('sessions.title')}
      intro={<p className="hint">{t('sessions.help')}</p>}
      query={sessions}
      rowKey={(s) => s.id}
      empty={t('sessions.none')}
      columns={[
        { header: t('sessions.started'), cell: (s) => formatDateTime(s.createdAt, i18n.language) },
        { header: t('sessions.expires'), cell: (s) => formatDateTime(s.expiresAt, i18n.language) },
        {
          header: <span className="visually-hidden">{t('sessions.thisDevice')}</span>,
          cell: (s) => s.current && <span className="badge">{t('sessions.thisDevice')}</span>,
        },
      ]}
    >
      <p role="status" className="success">
        {revoked !== null ? t('sessions.revoked', { count: revoked }) : ''}
      </p>
      <div className="button-row">
        <ConfirmedButton
          action={t('sessions.signOutEverywhere')}
          message={t('sessions.signOutExplain')}
          onConfirm={async () => {
            setRevoked(await revokeOtherSessions());
            void sessions.refetch();
          }}
        />
      </div>
    </TablePanel>
  );
}
