import { REPORT_STATUSES, type ReportType, type UserView } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { UseFormRegister } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { type Column, DataTable } from '../../components/DataTable.js';
import { DecryptedList, type DecryptedListKind } from '../../components/DecryptedList.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import {
  DateRangeFields,
  FilterForm,
  type FilterFormKind,
  useListFilters,
} from '../../components/ListFilters.js';
import { AuthorField } from '../../components/MemberOptions.js';
import { NavLink } from '../../components/NavLink.js';
import { Page } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import { NewRecordLink } from '../../components/SealedPages.js';
import { UserText } from '../../components/UserText.js';
import { reportQueries } from '../../lib/queries/reports.js';
import { NO_REPORT_FILTERS, type ReportFilters } from '../../lib/reports/api.js';
import { reportsPool } from '../../lib/reports/pool.js';
import { onReportsChanged } from './events.js';
import { ReportsExport } from './ReportsExport.js';
import {
  KeyNeeded,
  nameOfMember,
  STATUS_LABEL,
  StatusBadge,
  StatusOptions,
  TypeOptions,
  useMembers,
  useReportEvents,
  useReportTypes,
  useTypeLabel,
} from './shared.js';
import { type ListedReport, useReportList } from './useReportList.js';

/** /reports: a reporter's own reports; every report for report admins, with counts, filters and search. */
export function ReportsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const admin = can(me, 'reports:read-all');
  const { taking } = useReportTypes();
  return (
    <Page title={admin ? t('reports.title') : t('reports.myTitle')}>
      {taking === false && (
        <p className="notice panel">{admin ? t('reports.notTakingAdmin') : t('reports.notTaking')}</p>
      )}
      {can(me, 'reports:write') && taking && <NewRecordLink href="/reports/new" caption={t('reports.new')} />}
      <KeyNeeded>
        <ReportsList me={me} />
      </KeyNeeded>
    </Page>
  );
}

/** A list version bumped by report hub events, so the list is re-read (through the API) when one changes. */
function useListVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => onReportsChanged(() => setVersion((v) => v + 1)), []);
  return version;
}

/** Search runs in the reports workers, over the reports opened so far. */
const REPORTS_LIST: DecryptedListKind<ListedReport> = {
  name: 'reports',
  searchClass: 'report-search',
  keys: {
    search: 'reports.search',
    searchHint: 'reports.searchHint',
    loading: 'reports.loading',
    allLoaded: 'reports.allLoaded',
    matches: 'reports.matches',
    someFailed: 'reports.someFailed',
    showMore: 'reports.showMore',
  },
  keyOf: (report) => report.meta.id,
  search: (query, ids) => reportsPool().search(query, ids),
};

function ReportsList({ me }: { me: Me }) {
  const { t } = useTranslation();
  const admin = can(me, 'reports:read-all');
  const { types, error: typesError } = useReportTypes();
  const members = useMembers(me);
  const nameOf = nameOfMember(me, members.data);
  const [filters, setFilters] = useState<ReportFilters>(NO_REPORT_FILTERS);
  const version = useListVersion();
  useReportEvents();
  const list = useReportList(filters, version);

  return (
    <>
      {admin && <CountsSummary types={types} />}
      {admin && <FiltersForm types={types ?? []} members={members.data} onApply={setFilters} />}
      <DecryptedList
        kind={REPORTS_LIST}
        list={list}
        filters={filters}
        failed={list.rows.filter((r) => r.opened.status !== 'ok').length}
        error={typesError ?? list.error}
      >
        {(shown, searching) => (
          <ReportsTable
            rows={shown}
            empty={list.complete ? (searching ? t('reports.noMatches') : t('reports.none')) : undefined}
            admin={admin}
            types={types}
            nameOf={nameOf}
          />
        )}
      </DecryptedList>
      {types && types.length === 0 && admin && <p className="hint">{t('reports.noTypesYet')}</p>}
      {admin && types && <ReportsExport types={types} nameOf={nameOf} />}
    </>
  );
}

function ReportsTable({
  rows,
  empty,
  admin,
  types,
  nameOf,
}: {
  rows: ListedReport[];
  empty: string | undefined;
  admin: boolean;
  types: ReportType[] | undefined;
  nameOf: ReturnType<typeof nameOfMember>;
}) {
  const { t, i18n } = useTranslation();
  const typeLabel = useTypeLabel(types);
  // Who filed each report, for those who read everyone's (a reporter's are all their own).
  const authorColumn: Column<ListedReport> = {
    header: t('reports.author'),
    direction: 'auto',
    cell: (r) => nameOf(r.meta.authorPubkey) ?? t('reports.someone'),
  };
  return (
    <DataTable
      caption={t('reports.listCaption')}
      captionHidden
      testId="reports-list"
      rows={rows}
      rowKey={(r) => r.meta.id}
      empty={empty}
      columns={[
        {
          header: t('reports.titleLabel'),
          rowHeader: true,
          direction: 'auto',
          cell: (r) => (
            <NavLink href={`/reports/${r.meta.id}`}>
              {r.opened.status === 'ok'
                ? r.opened.value.title || t('reports.untitled')
                : t('reports.unreadable')}
            </NavLink>
          ),
        },
        { header: t('reports.type'), direction: 'auto', cell: (r) => typeLabel(r.meta.typeId) },
        {
          header: t('reports.statusLabel'),
          cell: (r) => <StatusBadge status={r.meta.status} />,
        },
        ...(admin ? [authorColumn] : []),
        { header: t('reports.filedAt'), cell: (r) => formatDateTime(r.meta.createdAt, i18n.language) },
        { header: t('reports.replies'), direction: 'ltr', cell: (r) => r.meta.replyCount },
      ]}
    />
  );
}

/** How many live reports there are, by status and by type. */
function CountsSummary({ types }: { types: ReportType[] | undefined }) {
  const { t } = useTranslation();
  const counts = useQuery(reportQueries.counts());
  const typeLabel = useTypeLabel(types);
  if (counts.error) return <ErrorMessage error={counts.error} />;
  if (!counts.data) return null;
  const byStatus = REPORT_STATUSES.map((status) => ({
    status,
    count: counts.data.filter((c) => c.status === status).reduce((n, c) => n + c.count, 0),
  }));
  const typeIds = [...new Set(counts.data.map((c) => c.typeId))];
  const byType = typeIds.map((typeId) => ({
    typeId,
    count: counts.data.filter((c) => c.typeId === typeId).reduce((n, c) => n + c.count, 0),
  }));
  return (
    <Panel id="report-counts" title={t('reports.counts')}>
      <ul className="report-counts" aria-label={t('reports.byStatus')} data-testid="report-counts-status">
        {byStatus.map((s) => (
          <li key={s.status}>
            <span className="count">{s.count}</span>
            <span>{t(STATUS_LABEL[s.status])}</span>
          </li>
        ))}
      </ul>
      {byType.length > 0 && (
        <ul className="report-counts" aria-label={t('reports.byType')}>
          {byType.map((x) => (
            <li key={x.typeId ?? ''}>
              <span className="count">{x.count}</span>
              <UserText>{typeLabel(x.typeId)}</UserText>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** The reports list's filter form: ids, classes and words. */
const REPORT_FILTERS: FilterFormKind = {
  idPrefix: 'rf',
  className: 'report-filters',
  gridClassName: 'report-filter-grid',
  keys: {
    form: 'reports.filters',
    badRange: 'reports.badRange',
    from: 'reports.from',
    to: 'reports.to',
    author: 'reports.author',
    anyAuthor: 'reports.anyone',
    apply: 'reports.applyFilters',
    clear: 'reports.clearFilters',
  },
};

/** The list's filters for report admins: type, status, author, dates, and "only mine". */
function FiltersForm({
  types,
  members,
  onApply,
}: {
  types: ReportType[];
  members: UserView[] | undefined;
  onApply: (f: ReportFilters) => void;
}) {
  const { t } = useTranslation();
  const filters = useListFilters(NO_REPORT_FILTERS, onApply);
  const { form, register } = filters;
  return (
    <FilterForm
      kind={REPORT_FILTERS}
      filters={filters}
      afterGrid={
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.watch('scope') === 'mine'}
            onChange={(e) => form.setValue('scope', e.target.checked ? 'mine' : 'all')}
          />
          {t('reports.onlyMine')}
        </label>
      }
    >
      <FilterSelects types={types} members={members} register={register} />
      <DateRangeFields kind={REPORT_FILTERS} filters={filters} />
    </FilterForm>
  );
}

/** Type, status and (when there are members to choose from) author. */
function FilterSelects({
  types,
  members,
  register,
}: {
  types: ReportType[];
  members: UserView[] | undefined;
  register: UseFormRegister<ReportFilters>;
}) {
  const { t } = useTranslation();
  return (
    <>
      <div>
        <label htmlFor="rf-type">{t('reports.type')}</label>
        <select id="rf-type" {...register('typeId')}>
          <option value="">{t('reports.anyType')}</option>
          <TypeOptions types={types} />
        </select>
      </div>
      <div>
        <label htmlFor="rf-status">{t('reports.statusLabel')}</label>
        <select id="rf-status" {...register('status')}>
          <option value="">{t('reports.anyStatus')}</option>
          <StatusOptions />
        </select>
      </div>
      <AuthorField kind={REPORT_FILTERS} members={members} field={register('authorPubkey')} />
    </>
  );
}
