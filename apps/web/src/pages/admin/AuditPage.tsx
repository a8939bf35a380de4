import type { AuditEntryBody, AuditVerdictBody } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { DataTable } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { FilterActions } from '../../components/FilterActions.js';
import { formatDateTime } from '../../components/format.js';
import { MemberOptions } from '../../components/MemberOptions.js';
import { PageHeading } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
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
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Each entry is the `before` cursor of a page; the last one is the page on screen.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const before = cursors.at(-1) ?? null;
  const page = useQuery(queries.audit(auditQuery(filters, before)));
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const nameOf = (pubkey: string | null) =>
    pubkey ? (users.data?.find((u) => u.pubkey === pubkey)?.displayName ?? `${pubkey.slice(0, 12)}…`) : '';
  const nextBefore = page.data?.nextBefore;

  return (
    <section>
      <PageHeading>{t('audit.title')}</PageHeading>
      {can(me, 'audit:verify') && <VerifyChain />}
      <AuditFilters
        members={users.data}
        onApply={(chosen) => {
          setFilters(chosen);
          setCursors([null]);
        }}
      />
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
          disabled={!nextBefore || page.isFetching}
          onClick={() => nextBefore && setCursors([...cursors, nextBefore])}
        >
          {t('audit.older')}
        </button>
      </div>
    </section>
  );
}

/** One labelled input or select in the filter grid. */
function FilterField({ id, caption, children }: { id: string; caption: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      {children}
    </div>
  );
}

/** The filters form: applied on submit, cleared at once; the actor is picked by name when members can be read. */
function AuditFilters({
  members,
  onApply,
}: {
  members: { id: string; pubkey: string; displayName: string }[] | undefined;
  onApply: (filters: Filters) => void;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const input = (key: keyof Filters) => ({
    id: `audit-${key}`,
    value: draft[key],
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
      setDraft({ ...draft, [key]: e.target.value }),
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft);
  };

  return (
    <Panel id="audit-filters" title={t('audit.filters')} className="filters" onSubmit={apply}>
      <div className="field-grid">
        <FilterField id="audit-action" caption={t('audit.actionPrefix')}>
          <input className="ltr" placeholder="auth." pattern="[a-z0-9_.:\-]*\*?" {...input('action')} />
        </FilterField>
        <FilterField id="audit-actor" caption={t('audit.actor')}>
          {members?.length ? (
            <select {...input('actor')}>
              <MemberOptions none={t('audit.anyone')} members={members} />
            </select>
          ) : (
            <input className="ltr" pattern="[0-9a-fA-F]{64}" {...input('actor')} />
          )}
        </FilterField>
        <FilterField id="audit-from" caption={t('audit.from')}>
          <input type="date" {...input('from')} />
        </FilterField>
        <FilterField id="audit-to" caption={t('audit.to')}>
          <input type="date" {...input('to')} />
        </FilterField>
      </div>
      <FilterActions
        apply={t('audit.apply')}
        clear={t('audit.clear')}
        onClear={() => {
          setDraft(EMPTY);
          onApply(EMPTY);
        }}
      />
    </Panel>
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
  return (
    <DataTable
      className="audit-table"
      caption={t('audit.caption', { page: pageNumber })}
      rows={entries}
      rowKey={(e) => e.seq}
      empty={t('audit.none')}
      columns={[
        { header: '#', cell: (e) => e.seq },
        { header: t('audit.when'), cell: (e) => formatDateTime(e.createdAt, i18n.language) },
        { header: t('audit.action'), cell: (e) => <code>{e.action}</code> },
        {
          header: t('audit.actor'),
          cell: (e) => nameOf(e.actorPubkey) || t('audit.system'),
          direction: 'auto',
        },
        { header: t('audit.target'), cell: (e) => e.target, direction: 'ltr', className: 'break' },
        {
          header: t('audit.details'),
          cell: (e) => (Object.keys(e.details).length ? <code>{JSON.stringify(e.details)}</code> : ''),
          direction: 'ltr',
          className: 'break',
        },
      ]}
    />
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
