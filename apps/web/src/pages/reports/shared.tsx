import {
  REPORT_STATUSES,
  type ReportStatus,
  type ReportType,
  type RoleView,
  type UserView,
} from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  activeMembersWho,
  type BackToList,
  OpenFailure,
  type OpenFailureKeys,
  UnlockedOnly,
} from '../../components/SealedPages.js';
import { queries } from '../../lib/queries/index.js';
import { typeName } from '../../lib/reports/payload.js';
import type { Opened } from '../../lib/reports/seal.js';
import './reports.css';

/** The translation key of each status (a table, so the keys are checked by the i18n test). */
export const STATUS_LABEL: Record<ReportStatus, string> = {
  new: 'reports.status.new',
  'in-review': 'reports.status.inReview',
  closed: 'reports.status.closed',
};

/** A report's status as a badge (its colour says the stage). */
export function StatusBadge({ status }: { status: ReportStatus }) {
  const { t } = useTranslation();
  return <span className={`badge status-${status}`}>{t(STATUS_LABEL[status])}</span>;
}

/** A status select's choices, in workflow order. */
export function StatusOptions() {
  const { t } = useTranslation();
  return REPORT_STATUSES.map((s) => (
    <option key={s} value={s}>
      {t(STATUS_LABEL[s])}
    </option>
  ));
}

/** The report types as a select's options, each named in the member's language. */
export function TypeOptions({ types }: { types: ReportType[] }) {
  const { i18n } = useTranslation();
  return types.map((type) => (
    <option key={type.id} value={type.id} dir="auto">
      {typeName(type, i18n.language)}
    </option>
  ));
}

/** Where a page under /reports (new report, one report) leads back to. */
export const BACK_TO_REPORTS: BackToList = { href: '/reports', caption: 'reports.backToList' };

/** Reports need the unlocked key (a passkey session alone cannot read or write them). */
export function KeyNeeded({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return <UnlockedOnly locked={t('reports.locked')}>{children}</UnlockedOnly>;
}

/** The hotline's report types, from the public settings. */
export function useReportTypes(): {
  types: ReportType[] | undefined;
  limits: { maxFileBytes: number; maxReportBytes: number } | undefined;
  /** The hotline takes new reports (settings.channels.reports); undefined while loading. */
  taking: boolean | undefined;
  error: unknown;
} {
  const settings = useQuery(queries.publicSettings());
  const reports = settings.data?.reports;
  return {
    types: reports?.types,
    limits: reports
      ? { maxFileBytes: reports.maxFileBytes, maxReportBytes: reports.maxReportBytes }
      : undefined,
    taking: settings.data?.channels.reports,
    error: settings.error,
  };
}

/** A report's type as the member reads it: its name in their language, or "no type" / "removed type". */
export function useTypeLabel(types: ReportType[] | undefined) {
  const { t, i18n } = useTranslation();
  return (typeId: string | null): string => {
    if (!typeId) return t('reports.noType');
    const type = types?.find((x) => x.id === typeId);
    return type ? typeName(type, i18n.language) : t('reports.unknownType');
  };
}

/** Active members whose roles let them read every report: whom a report can be assigned to. */
export const reportAdmins = (users: UserView[], roles: RoleView[]): UserView[] =>
  activeMembersWho(users, roles, 'reports:read-all');

const REPORT_FAILURES: OpenFailureKeys = {
  'no-wrap': 'reports.problem.noWrap',
  decrypt: 'reports.problem.decrypt',
  malformed: 'reports.problem.malformed',
};

/** Why a report or reply did not open, in words. */
export function OpenProblem({ opened }: { opened: Opened<unknown> }) {
  if (opened.status === 'ok') return null;
  return (
    <OpenFailure reason={opened.reason} keys={REPORT_FAILURES} className="error" testId="report-failed" />
  );
}

/** The member list, and a member's name by public key (null: this member may not see it). */
export { memberNameOf as nameOfMember, useMembers } from '../../components/SealedPages.js';
export { useReportEvents } from './events.js';
