import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { queries } from '../lib/queries/index.js';
import { onResync, usePresence } from '../lib/realtime/index.js';
import { UserText } from './UserText.js';

/** Re-read the member list at most this often when someone unknown shows up. */
const NAMES_REFRESH_MS = 5_000;

/** "Who is online": members heard from recently and what they are doing; for admins (users:read). */
export function PresencePanel({ myPubkey }: { myPubkey: string }) {
  const { t } = useTranslation();
  const online = usePresence();
  const members = useQuery(queries.users({ active: true }));
  const names = useMemo(
    () => (members.data ? new Map(members.data.map((u) => [u.pubkey, u.displayName])) : null),
    [members.data],
  );
  const reload = useRef(members.refetch);
  reload.current = members.refetch;

  // After a gap in the connection, someone may have joined: read the list again.
  useEffect(() => onResync(() => void reload.current()), []);

  // A member who joined since the list was read: read it again (throttled).
  const unknown = names !== null && online.some((e) => !names.has(e.pubkey));
  const lastLoad = members.dataUpdatedAt;
  useEffect(() => {
    if (!unknown) return;
    const wait = Math.max(0, lastLoad + NAMES_REFRESH_MS - Date.now());
    const timer = setTimeout(() => void reload.current(), wait);
    return () => clearTimeout(timer);
  }, [unknown, lastLoad]);

  const rows = online
    .map((entry) => ({ ...entry, name: names?.get(entry.pubkey) ?? null }))
    .sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff'));

  return (
    <section className="panel presence-panel" aria-labelledby="presence-heading">
      <h2 id="presence-heading">{t('realtime.whoIsOnline')}</h2>
      {rows.length === 0 ? (
        <p className="hint">{t('realtime.nobodyOnline')}</p>
      ) : (
        <ul className="presence-list">
          {rows.map((row) => (
            <li key={row.pubkey} className="presence-item" data-testid="presence-entry">
              <span className="presence-name">
                <UserText>{row.name ?? t('realtime.unknownMember')}</UserText>
                {row.pubkey === myPubkey && ` ${t('realtime.you')}`}
              </span>
              <span className={`presence-badge presence-${row.status}`}>
                {t(`realtime.status.${row.status}`)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
