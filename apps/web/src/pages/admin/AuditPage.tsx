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
import { Page } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { ActionButton } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { verifyAuditChain } from '../../lib/api/index.js';
import { downloadText } from '../../lib/notes/export.js';
import { queries } from '../../lib/queries/index.js';
import { exportStamp } from '../notes/exportShared.js';
import { AUDIT_ACTIONS } from './auditActions.js';
import {
  actorName,
  auditCsv,
  auditJsonLines,
  auditSentence,
  type MemberDirectory,
  memberDirectory,
  targetName,
} from './auditWords.js';

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actor: '', from: '', to: '' };
const KNOWN_ACTIONS = new Set<string>(AUDIT_ACTIONS);

/** The query string for GET /api/audit; dates are whole local days, sent as instants. */
function auditQuery(filters: Filters, before: number | null): string {
  const q = new URLSearchParams({ limit: '50' });
  const action = filters.action.trim();
  // A code picked from the list is matched exactly (auth.login, not auth.login-failed); anything else is a prefix.
  if (action) q.set('action', action.endsWith('*') || KNOWN_ACTIONS.has(action) ? action : `${action}*`);
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

/**
 * The tamper-evident audit log in words: who did what to whom, named from the member list where
 * the admin may read it; filter, page back, export what is shown, open the raw entry, verify the chain.
 */
export function AuditPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Each entry is the `before` cursor of a page; the last one is the page on screen.
  const [cursors, setCursors] = useState<(number | null)[]>([null]);
  const before = cursors.at(-1) ?? null;
  const page = useQuery(queries.audit(auditQuery(filters, before)));
  const users = useQuery(queries.memberNames(can(me, 'users:read')));
  const members = memberDirectory(users.data);
  const nextBefore = page.data?.nextBefore;

  return (
    <Page title={t('audit.title')}>
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
        <>
          <AuditTable entries={page.data.entries} members={members} pageNumber={cursors.length} />
          <AuditExport entries={page.data.entries} members={members} />
        </>
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
    </Page>
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
          <input
            className="ltr"
            placeholder="auth."
            pattern="[a-z0-9_.:\-]*\*?"
            list="audit-action-codes"
            autoComplete="off"
            {...input('action')}
          />
          <ActionCodes />
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

/** Every known code with its sentence, offered while typing in the action filter. */
function ActionCodes() {
  const { t } = useTranslation();
  return (
    <datalist id="audit-action-codes">
      {AUDIT_ACTIONS.map((code) => (
        <option key={code} value={code} label={t(`audit.sentence.${code}`, { actor: '…', target: '…' })} />
      ))}
    </datalist>
  );
}

function AuditTable({
  entries,
  members,
  pageNumber,
}: {
  entries: AuditEntryBody[];
  members: MemberDirectory;
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
        { header: t('audit.happened'), cell: (e) => auditSentence(e, members, t) },
        { header: t('audit.actor'), cell: (e) => <bdi>{actorName(e.actorPubkey, members, t)}</bdi> },
        { header: t('audit.action'), cell: (e) => <code>{e.action}</code>, direction: 'ltr' },
        {
          header: t('audit.target'),
          cell: (e) => <bdi>{targetName(e.target, members)}</bdi>,
          className: 'break',
        },
        {
          header: t('audit.details'),
          cell: (e) => (
            <details>
              <summary>{t('audit.raw')}</summary>
              <pre className="ltr">{JSON.stringify(e, null, 2)}</pre>
            </details>
          ),
          className: 'break',
        },
      ]}
    />
  );
}

/** Saves the page on screen: a spreadsheet of the sentences, or the raw entries as the server sent them. */
function AuditExport({ entries, members }: { entries: AuditEntryBody[]; members: MemberDirectory }) {
  const { t, i18n } = useTranslation();
  if (!entries.length) return null;
  return (
    <div className="button-row">
      <button
        type="button"
        className="secondary"
        onClick={() =>
          downloadText(auditCsv(entries, members, t, i18n.language), `audit-${exportStamp()}.csv`, 'text/csv')
        }
      >
        {t('audit.exportCsv')}
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          downloadText(auditJsonLines(entries), `audit-${exportStamp()}.jsonl`, 'application/x-ndjson')
        }
      >
        {t('audit.exportJson')}
      </button>
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
      <ActionButton busy={verify.busy} busyAction={t('audit.verifying')} onClick={verify.run}>
        {t('audit.verify')}
      </ActionButton>
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
