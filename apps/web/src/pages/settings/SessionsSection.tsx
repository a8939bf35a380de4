import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { revokeOtherSessions } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

/** Passkey sign-ins on other devices; a lost phone is signed out from here. */
export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const sessions = useQuery(queries.sessions());
  const [confirming, setConfirming] = useState(false);
  const [revoked, setRevoked] = useState<number | null>(null);

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('sessions.title')}</h2>
      <p className="hint">{t('sessions.help')}</p>
      <ErrorMessage error={sessions.error} />
      {sessions.data && sessions.data.length === 0 && <p>{t('sessions.none')}</p>}
      {sessions.data && sessions.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('sessions.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('sessions.started')}</th>
                <th scope="col">{t('sessions.expires')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('sessions.thisDevice')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.map((s) => (
                <tr key={s.id}>
                  <td>{formatDateTime(s.createdAt, i18n.language)}</td>
                  <td>{formatDateTime(s.expiresAt, i18n.language)}</td>
                  <td>{s.current && <span className="badge">{t('sessions.thisDevice')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p role="status" className="success">
        {revoked !== null ? t('sessions.revoked', { count: revoked }) : ''}
      </p>
      <p>
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          {t('sessions.signOutEverywhere')}
        </button>
      </p>
      <ConfirmDialog
        open={confirming}
        title={t('sessions.signOutEverywhere')}
        message={t('sessions.signOutExplain')}
        confirmLabel={t('sessions.signOutEverywhere')}
        danger
        onConfirm={async () => {
          setRevoked(await revokeOtherSessions());
          void sessions.refetch();
        }}
        onClose={() => setConfirming(false)}
      />
    </section>
  );
}
