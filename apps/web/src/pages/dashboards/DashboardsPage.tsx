import './dashboards.css';
import { zodResolver } from '@hookform/resolvers/zod';
import { STATS_MAX_DAYS, type StatsCsvTable, type StatsReport } from '@llamenos/protocol';
import { addDays, dateIn } from '@llamenos/protocol/zoned-time';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useId, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';
import { DataTable, type DataTableProps } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { PageHeading } from '../../components/PageHeading.js';
import { Panel } from '../../components/Panel.js';
import type { Controlled } from '../../components/props.js';
import { TablePanel } from '../../components/TablePanel.js';
import { UserText } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { fetchStatsCsv, type StatsPeriod } from '../../lib/api/index.js';
import { downloadText } from '../../lib/notes/export.js';
import { queries } from '../../lib/queries/index.js';
import { BarChart, type BarSeries } from './BarChart.js';
import { bucketLabel, formatCount, formatDuration, formatRate } from './format.js';

type Translate = ReturnType<typeof useTranslation>['t'];

const dayCount = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

function periodSchema(t: Translate) {
  const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, t('dashboards.dateRequired'));
  return z
    .object({ from: date, to: date, bucket: z.enum(['hour', 'day']) })
    .refine((p) => p.to >= p.from, { message: t('dashboards.toBeforeFrom'), path: ['to'] })
    .refine((p) => p.to < p.from || dayCount(p.from, p.to) <= STATS_MAX_DAYS[p.bucket], {
      message: t('dashboards.periodTooLong', { hour: STATS_MAX_DAYS.hour, day: STATS_MAX_DAYS.day }),
      path: ['to'],
    });
}

/** The last `days` days up to today on the hotline's calendar, by day (or by hour for one day). */
const lastDays = (zone: string, days: number): StatsPeriod => {
  const today = dateIn(zone);
  return { from: addDays(today, 1 - days), to: today, bucket: days === 1 ? 'hour' : 'day' };
};

/**
 * The admins' dashboards: calls and conversations per hour or day, the answer rate, how long
 * callers waited, voicemail and abandoned calls, and what each member did, for a period on the
 * hotline's calendar. Every chart is described in words and has the same figures as a table;
 * each table downloads as CSV.
 */
export function DashboardsPage() {
  const { t } = useTranslation();
  const settings = useQuery(queries.publicSettings());
  if (settings.error) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <p>{t('app.loading')}</p>;
  return <Dashboards zone={settings.data.timeZone} />;
}

function Dashboards({ zone }: { zone: string }) {
  const { t, i18n } = useTranslation();
  const [period, setPeriod] = useState<StatsPeriod>(() => lastDays(zone, 7));
  const report = useQuery(queries.stats(period));
  return (
    <section className="dashboards">
      <PageHeading>{t('dashboards.title')}</PageHeading>
      <p>{t('dashboards.intro', { zone })}</p>
      <PeriodPicker zone={zone} value={period} onChange={setPeriod} />
      {report.error && <ErrorMessage error={report.error} />}
      {!report.data && !report.error && <p>{t('app.loading')}</p>}
      {report.data && <Figures report={report.data} period={period} locale={i18n.language} />}
    </section>
  );
}

function PeriodPicker({ zone, value: period, onChange }: { zone: string } & Controlled<StatsPeriod>) {
  const { t } = useTranslation();
  const form = useForm<StatsPeriod>({ resolver: zodResolver(periodSchema(t)), defaultValues: period });
  const errors = form.formState.errors;
  const apply = (next: StatsPeriod) => {
    form.reset(next);
    onChange(next);
  };
  return (
    <Panel id="dashboards-period" title={t('dashboards.period')} onSubmit={form.handleSubmit(apply)}>
      <div className="button-row compact">
        <button type="button" className="secondary" onClick={() => apply(lastDays(zone, 1))}>
          {t('dashboards.today')}
        </button>
        <button type="button" className="secondary" onClick={() => apply(lastDays(zone, 7))}>
          {t('dashboards.last7')}
        </button>
        <button type="button" className="secondary" onClick={() => apply(lastDays(zone, 30))}>
          {t('dashboards.last30')}
        </button>
      </div>
      <div className="dashboards-period-fields">
        <label>
          {t('dashboards.from')}
          <input type="date" {...form.register('from')} aria-invalid={errors.from ? true : undefined} />
        </label>
        <label>
          {t('dashboards.to')}
          <input
            type="date"
            {...form.register('to')}
            aria-invalid={errors.to ? true : undefined}
            aria-describedby={errors.to ? 'dashboards-to-error' : undefined}
          />
        </label>
        <label>
          {t('dashboards.bucket')}
          <select {...form.register('bucket')}>
            <option value="hour">{t('dashboards.byHour')}</option>
            <option value="day">{t('dashboards.byDay')}</option>
          </select>
        </label>
        <button type="submit">{t('dashboards.show')}</button>
      </div>
      {(errors.to ?? errors.from) && (
        <p id="dashboards-to-error" className="error" role="alert">
          {(errors.to ?? errors.from)?.message}
        </p>
      )}
    </Panel>
  );
}

function CsvButton({
  period,
  table,
  caption,
}: {
  period: StatsPeriod;
  table: StatsCsvTable;
  caption: string;
}) {
  const submit = useSubmit(async () => {
    const csv = await fetchStatsCsv(period, table);
    downloadText(csv, `llamenos-${table}-${period.from}-${period.to}.csv`, 'text/csv');
  });
  return (
    <>
      <button type="button" className="secondary" disabled={submit.busy} onClick={() => void submit.run()}>
        {caption}
      </button>
      {submit.error && <ErrorMessage error={submit.error} />}
    </>
  );
}

/** A chart, its description in words (what a screen reader hears), and the same figures as a table. */
function ChartFigure<Row>({
  title,
  summary,
  chart,
  table,
  actions,
}: {
  title: string;
  summary: string;
  chart: ReactNode;
  /** The chart's numbers as a table, captioned with the chart's title for screen readers. */
  table: Omit<DataTableProps<Row>, 'caption' | 'captionHidden'>;
  actions?: ReactNode;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <Panel id={`${id}-title`} title={title} className="chart-panel">
      <figure aria-describedby={`${id}-description`}>
        {chart}
        <figcaption id={`${id}-description`}>{summary}</figcaption>
      </figure>
      <details>
        <summary>{t('dashboards.showTable')}</summary>
        <DataTable caption={title} captionHidden {...table} />
      </details>
      {actions && <div className="button-row compact">{actions}</div>}
    </Panel>
  );
}

function Legend({ series }: { series: BarSeries[] }) {
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.title}>
          {/* Set through the DOM (CSSOM), which style-src 'self' allows, as uPlot sets its own sizes. */}
          <span
            className="chart-swatch"
            style={{ background: s.color.startsWith('--') ? `var(${s.color})` : s.color }}
          />
          {s.title}
        </li>
      ))}
    </ul>
  );
}

type FigureProps = { report: StatsReport; period: StatsPeriod; locale: string };

function Figures(props: FigureProps) {
  return (
    <>
      <StatTiles {...props} />
      <CallsFigure {...props} />
      <ConversationsFigure {...props} />
      <WaitFigure {...props} />
      <MembersPanel {...props} />
    </>
  );
}

function StatTiles({ report, locale }: FigureProps) {
  const { t } = useTranslation();
  const n = (v: number) => formatCount(v, locale);
  const { calls, conversations, answerRate } = report.totals;
  return (
    <dl className="stat-tiles" data-testid="stat-tiles">
      <Tile term={t('dashboards.calls')} figure={n(calls.total)} />
      <Tile term={t('dashboards.answerRate')} figure={formatRate(answerRate, locale)} />
      <Tile
        term={t('dashboards.medianWait')}
        figure={formatDuration(report.waitTimes.medianSeconds, locale)}
      />
      <Tile term={t('dashboards.voicemail')} figure={n(calls.voicemail)} />
      <Tile term={t('dashboards.abandoned')} figure={n(calls.abandoned)} />
      <Tile term={t('dashboards.newConversations')} figure={n(conversations.new)} />
    </dl>
  );
}

/** The x-axis labels of the per-period charts, on the hotline's calendar. */
function usePeriodLabels(report: StatsReport, locale: string) {
  return useMemo(
    () => report.periods.map((p) => bucketLabel(p.start, report.bucket, report.timeZone, locale)),
    [report, locale],
  );
}

type PeriodRow = StatsReport['periods'][number] & { when: string };

/** The per-period table rows, each with its full "when" label. */
const periodRows = (report: StatsReport, locale: string): PeriodRow[] =>
  report.periods.map((p) => ({
    ...p,
    when: bucketLabel(p.start, report.bucket, report.timeZone, locale, true),
  }));

/** The ended calls' outcomes, in the order the bars stack them, each with its chart colour. */
const CALL_OUTCOMES = [
  ['answered', '--chart-answered'],
  ['voicemail', '--chart-voicemail'],
  ['abandoned', '--chart-abandoned'],
  ['rejected', '--chart-rejected'],
] as const;

/** Calls per period, one stacked series per outcome. */
function useCallSeries(report: StatsReport) {
  const { t } = useTranslation();
  return useMemo<BarSeries[]>(
    () => [
      ...CALL_OUTCOMES.map(([outcome, color]) => ({
        title: t(`dashboards.${outcome}`),
        color,
        values: report.periods.map((p) => p.calls[outcome]),
      })),
      {
        // Still waiting or ringing when the figures were read: the rest of the bar.
        title: t('dashboards.waiting'),
        color: '--chart-waiting',
        values: report.periods.map(
          (p) => p.calls.total - p.calls.answered - p.calls.voicemail - p.calls.abandoned - p.calls.rejected,
        ),
      },
    ],
    [report, t],
  );
}

/** The calls chart in words: the period's calls by outcome, those still waiting, and the busiest period. */
function callsDescription(report: StatsReport, locale: string, t: Translate): string {
  const n = (v: number) => formatCount(v, locale);
  const { calls } = report.totals;
  const busiest = report.periods.reduce<(typeof report.periods)[number] | null>(
    (best, p) => (p.calls.total > (best?.calls.total ?? 0) ? p : best),
    null,
  );
  return t('dashboards.callsDescription', {
    total: n(calls.total),
    answered: n(calls.answered),
    voicemail: n(calls.voicemail),
    abandoned: n(calls.abandoned),
    rejected: n(calls.rejected),
    waiting: n(calls.total - calls.answered - calls.voicemail - calls.abandoned - calls.rejected),
    busiest: busiest ? bucketLabel(busiest.start, report.bucket, report.timeZone, locale, true) : '—',
  });
}

function CallsFigure({ report, period, locale }: FigureProps) {
  const { t } = useTranslation();
  const n = (v: number) => formatCount(v, locale);
  const labels = usePeriodLabels(report, locale);
  const callSeries = useCallSeries(report);
  return (
    <ChartFigure
      title={t('dashboards.callsChart')}
      summary={callsDescription(report, locale, t)}
      chart={
        <>
          <Legend series={callSeries} />
          <BarChart labels={labels} series={callSeries} testId="calls-chart" />
        </>
      }
      table={{
        rows: periodRows(report, locale),
        rowKey: (r) => r.start,
        testId: 'calls-table',
        columns: [
          { header: t('dashboards.when'), cell: (r) => r.when, rowHeader: true },
          { header: t('dashboards.calls'), cell: (r) => n(r.calls.total), direction: 'ltr' },
          ...CALL_OUTCOMES.map(([outcome]) => ({
            header: t(`dashboards.${outcome}`),
            cell: (r: PeriodRow) => n(r.calls[outcome]),
            direction: 'ltr' as const,
          })),
        ],
      }}
      actions={<CsvButton period={period} table="periods" caption={t('dashboards.downloadPeriods')} />}
    />
  );
}

function ConversationsFigure({ report, locale }: FigureProps) {
  const { t } = useTranslation();
  const n = (v: number) => formatCount(v, locale);
  const { conversations } = report.totals;
  const labels = usePeriodLabels(report, locale);
  const conversationSeries = useMemo<BarSeries[]>(
    () => [
      {
        title: t('dashboards.newConversations'),
        color: '--chart-new',
        values: report.periods.map((p) => p.conversations.new),
      },
    ],
    [report, t],
  );
  return (
    <ChartFigure
      title={t('dashboards.conversationsChart')}
      summary={t('dashboards.conversationsDescription', {
        opened: n(conversations.new),
        closed: n(conversations.closed),
      })}
      chart={<BarChart labels={labels} series={conversationSeries} testId="conversations-chart" />}
      table={{
        rows: periodRows(report, locale),
        rowKey: (r) => r.start,
        columns: [
          { header: t('dashboards.when'), cell: (r) => r.when, rowHeader: true },
          {
            header: t('dashboards.newConversations'),
            cell: (r) => n(r.conversations.new),
            direction: 'ltr',
          },
          {
            header: t('dashboards.closedConversations'),
            cell: (r) => n(r.conversations.closed),
            direction: 'ltr',
          },
        ],
      }}
    />
  );
}

/** The wait-time chart's bar labels (the ranges, in words) and its one series: calls answered in each. */
function useWaitBins(report: StatsReport, locale: string) {
  const { t } = useTranslation();
  return useMemo(() => {
    const { bins } = report.waitTimes;
    const binLabels = bins.map((b) =>
      b.toSeconds === null
        ? t('dashboards.waitOver', { limit: formatDuration(b.fromSeconds, locale) })
        : b.fromSeconds === 0
          ? t('dashboards.waitUnder', { limit: formatDuration(b.toSeconds, locale) })
          : t('dashboards.waitBetween', {
              from: formatDuration(b.fromSeconds, locale),
              to: formatDuration(b.toSeconds, locale),
            }),
    );
    const waitSeries: BarSeries[] = [
      { title: t('dashboards.answered'), color: '--chart-answered', values: bins.map((b) => b.count) },
    ];
    return { binLabels, waitSeries };
  }, [report, t, locale]);
}

function WaitFigure({ report, period, locale }: FigureProps) {
  const { t } = useTranslation();
  const n = (v: number) => formatCount(v, locale);
  const { calls } = report.totals;
  const { binLabels, waitSeries } = useWaitBins(report, locale);
  return (
    <ChartFigure
      title={t('dashboards.waitChart')}
      summary={t('dashboards.waitDescription', {
        answered: n(calls.answered),
        median: formatDuration(report.waitTimes.medianSeconds, locale),
        average: formatDuration(report.waitTimes.averageSeconds, locale),
      })}
      chart={<BarChart labels={binLabels} series={waitSeries} testId="wait-chart" />}
      table={{
        rows: report.waitTimes.bins.map((b, i) => ({ ...b, range: binLabels[i] ?? '' })),
        rowKey: (r) => r.fromSeconds,
        testId: 'wait-table',
        columns: [
          { header: t('dashboards.waited'), cell: (r) => r.range, rowHeader: true },
          { header: t('dashboards.answered'), cell: (r) => n(r.count), direction: 'ltr' },
        ],
      }}
      actions={<CsvButton period={period} table="wait-times" caption={t('dashboards.downloadWaits')} />}
    />
  );
}

function MembersPanel({ report, period, locale }: FigureProps) {
  const { t } = useTranslation();
  const n = (v: number) => formatCount(v, locale);
  return (
    <TablePanel
      id="dashboards-members"
      title={t('dashboards.members')}
      intro={<p>{t('dashboards.membersHint')}</p>}
      rows={report.volunteers}
      rowKey={(v) => v.userId}
      testId="members-table"
      empty={t('dashboards.noActivity')}
      columns={[
        {
          header: t('dashboards.member'),
          cell: (v) => <UserText>{v.displayName ?? v.userId.slice(0, 8)}</UserText>,
          rowHeader: true,
        },
        { header: t('dashboards.callsAnswered'), cell: (v) => n(v.callsAnswered), direction: 'ltr' },
        { header: t('dashboards.talkTime'), cell: (v) => formatDuration(v.talkSeconds, locale) },
        {
          header: t('dashboards.conversationsHandled'),
          cell: (v) => n(v.conversationsHandled),
          direction: 'ltr',
        },
      ]}
    >
      <div className="button-row compact">
        <CsvButton period={period} table="volunteers" caption={t('dashboards.downloadMembers')} />
      </div>
    </TablePanel>
  );
}

function Tile({ term, figure }: { term: string; figure: string }) {
  return (
    <div className="stat-tile">
      <dt>{term}</dt>
      <dd>{figure}</dd>
    </div>
  );
}
