import type { AuditEntryBody, AuditVerdictBody } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { PageHeading } from '../../components/PageHeading.js';
import { useSubmit } from '../../components/useSubmit.js';
import { verifyAuditChain } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actor: '', from: '', to: '' };

/** The query string for GET /api/audit; dates are whole local days, sent as instants. */
function auditQuery(filters: Filters, before: number | null): string {
  const q = new URLSearchParams({ limit: '50' });
  const action = filters.action.trim();
  if (action) q.set('action', action.endsWith('*') ? action : `${action}*`);
  if (filters.actor) q.set('actor', filters.actor.trim().toLowerCase());
  if (filters.from) q.set('since', new Date(`${filters.from}T00:00:00`).toISOString());
  if (filters.to) {
    const end = new Date(`${filters.to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    q.set('until', end.toISOString());
  }
  if (before) q.set('before', String(before));
  return q.toString();
}

/** The tamper-evident audit log: filter, page back through older entries, verify the hash chain. */
export function AuditPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Each entry is the `before` cursor of a page; the last one is the page on screen.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const before = cursors.at(-1) ?? null;
  const query = auditQuery(filters, before);
  const page = useQuery(queries.audit(query));
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const nameOf = (pubkey: string | null) =>
    pubkey ? (users.data?.find((u) => u.pubkey === pubkey)?.displayName ?? `${pubkey.slice(0, 12)}…`) : '';

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters(draft);
    setCursors([null]);
  }

  return (
    <section>
      <PageHeading>{t('audit.title')}</PageHeading>
      {can(me, 'audit:verify') && <VerifyChain />}
      <form onSubmit={apply} className="panel filters" aria-labelledby="audit-filters">
        <h2 id="audit-filters">{t('audit.filters')}</h2>
        <div className="field-grid">
          <div>
            <label htmlFor="audit-action">{t('audit.actionPrefix')}</label>
            <input
              id="audit-action"
              className="ltr"
              placeholder="auth."
              pattern="[a-z0-9_.:\-]*\*?"
              value={draft.action}
              onChange={(e) => setDraft({ ...draft, action: e.target.value })}
            />
          </div>
          <div>
            <label htmlFor="audit-actor">{t('audit.actor')}</label>
            {users.data?.length ? (
              <select
                id="audit-actor"
                value={draft.actor}
                onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
              >
                <option value="">{t('audit.anyone')}</option>
                {users.data.map((u) => (
                  <option key={u.id} value={u.pubkey} dir="auto">
                    {u.displayName}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id="audit-actor"
                className="ltr"
                pattern="[0-9a-fA-F]{64}"
                value={draft.actor}
                onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
              />
            )}
          </div>
          <div>
            <label htmlFor="audit-from">{t('audit.from')}</label>
            <input
              id="audit-from"
              type="date"
              value={draft.from}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            />
          </div>
          <div>
            <label htmlFor="audit-to">{t('audit.to')}</label>
            <input
              id="audit-to"
              type="date"
              value={draft.to}
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            />
          </div>
        </div>
        <div className="button-row">
          <button type="submit">{t('audit.apply')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
              setCursors([null]);
            }}
          >
            {t('audit.clear')}
          </button>
        </div>
      </form>
      <ErrorMessage error={page.error} />
      {page.isFetching && <p aria-busy="true">{t('app.loading')}</p>}
      {page.data && !page.isFetching && (
        <AuditTable entries={page.data.entries} nameOf={nameOf} pageNumber={cursors.length} />
      )}
      <div className="button-row">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length < 2 || page.isFetching}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          {t('audit.newer')}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page.data?.nextBefore || page.isFetching}
          onClick={() => page.data?.nextBefore && setCursors([...cursors, page.data.nextBefore])}
        >
          {t('audit.older')}
        </button>
      </div>
    </section>
  );
}

function AuditTable({
  entries,
  nameOf,
  pageNumber,
}: {
  entries: AuditEntryBody[];
  nameOf: (pubkey: string | null) => string;
  pageNumber: number;
}) {
  const { t, i18n } = useTranslation();
  if (!entries.length) return <p>{t('audit.none')}</p>;
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <caption>{t('audit.caption', { page: pageNumber })}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">{t('audit.when')}</th>
            <th scope="col">{t('audit.action')}</th>
            <th scope="col">{t('audit.actor')}</th>
            <th scope="col">{t('audit.target')}</th>
            <th scope="col">{t('audit.details')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq}>
              <td>{e.seq}</td>
              <td>{formatDateTime(e.createdAt, i18n.language)}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td dir="auto">{nameOf(e.actorPubkey) || t('audit.system')}</td>
              <td className="ltr-cell break">{e.target}</td>
              <td className="ltr-cell break">
                {Object.keys(e.details).length ? <code>{JSON.stringify(e.details)}</code> : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function VerifyChain() {
  const { t } = useTranslation();
  const [verdict, setVerdict] = useState<AuditVerdictBody | null>(null);
  const verify = useSubmit(async () => {
    setVerdict(null);
    setVerdict(await verifyAuditChain());
  });

  return (
    <div className="panel">
      <p className="hint">{t('audit.verifyHelp')}</p>
      <button type="button" onClick={() => void verify.run()} disabled={verify.busy}>
        {verify.busy ? t('audit.verifying') : t('audit.verify')}
      </button>
      <ErrorMessage error={verify.error} />
      {verdict?.ok && (
        <p role="status" className="success">
          {t('audit.intact', { count: verdict.count })}
        </p>
      )}
      {verdict && !verdict.ok && (
        <p role="alert" className="error">
          {t('audit.broken', { seq: verdict.brokenAt, reason: verdict.reason })}
        </p>
      )}
    </div>
  );
}
