import type { ReportFieldDefinition, ReportMeta, ReportStatus, ReportType } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { can, type Me } from '../../app/session.js';
import { useVaultState } from '../../app/useVaultState.js';
import { ConfirmedButton } from '../../components/ConfirmDialog.js';
import { EmptyState } from '../../components/EmptyState.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Fact } from '../../components/Fact.js';
import { formatDateTime } from '../../components/format.js';
import { NamedOptions } from '../../components/NamedOptions.js';
import { Panel } from '../../components/Panel.js';
import { SubpageOf } from '../../components/SealedPages.js';
import { FormActions } from '../../components/SubmitButton.js';
import { UserText } from '../../components/UserText.js';
import { useSubmit } from '../../components/useSubmit.js';
import { deleteReport, patchReport } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { type OpenedReport, reportKeys, reportQueries } from '../../lib/queries/reports.js';
import { replyToReport } from '../../lib/reports/api.js';
import { fieldLabel, type LooseReport, orderedFields, REPLY_BODY_MAX } from '../../lib/reports/payload.js';
import { ReportAttachmentsSection } from './ReportAttachmentsSection.js';
import { ReportTextBox } from './ReportFields.js';
import {
  BACK_TO_REPORTS,
  KeyNeeded,
  nameOfMember,
  OpenProblem,
  reportAdmins,
  StatusBadge,
  StatusOptions,
  useMembers,
  useReportEvents,
  useReportTypes,
  useTypeLabel,
} from './shared.js';

/** /reports/:id: the report, its files, its workflow (for report admins) and its reply thread. */
export function ReportViewPage({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  const vault = useVaultState();
  if (vault !== 'unlocked')
    return (
      <SubpageOf title={t('reports.viewTitle')} back={BACK_TO_REPORTS}>
        <KeyNeeded>{null}</KeyNeeded>
      </SubpageOf>
    );
  return <ReportView id={id} me={me} />;
}

function ReportView({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  useReportEvents();
  const report = useQuery(reportQueries.opened(id));
  const { types } = useReportTypes();
  const members = useMembers(me);
  // The page's heading is the report's own title once it is opened.
  const opened = report.data?.content;
  const title =
    opened?.status === 'ok' ? (
      <UserText>{opened.value.title || t('reports.untitled')}</UserText>
    ) : (
      t('reports.viewTitle')
    );
  return (
    <SubpageOf title={title} back={BACK_TO_REPORTS}>
      {report.error ? (
        <ErrorMessage error={report.error} />
      ) : !report.data ? (
        <p aria-busy="true">{t('app.loading')}</p>
      ) : (
        <LoadedReport opened={report.data} me={me} id={id} types={types} members={members.data} />
      )}
    </SubpageOf>
  );
}

function LoadedReport({
  opened,
  me,
  id,
  types,
  members,
}: {
  opened: OpenedReport;
  me: Me;
  id: string;
  types: ReportType[] | undefined;
  members: ReturnType<typeof useMembers>['data'];
}) {
  const { t } = useTranslation();
  const nameOf = nameOfMember(me, members);
  const admin = can(me, 'reports:read-all');
  const { detail, content } = opened;
  const meta = detail.report;
  const type = types?.find((x) => x.id === meta.typeId) ?? null;
  const author = nameOf(meta.authorPubkey) ?? t('reports.someone');

  return (
    <>
      <ReportFacts meta={meta} types={types} author={author} assignee={assigneeName(me, members, meta)} />
      <article className="panel" aria-label={t('reports.content')} data-testid="report-content">
        <OpenProblem opened={content} />
        {content.status === 'ok' && <ReportContent report={content.value} type={type} />}
      </article>
      <ReportAttachmentsSection
        reportId={id}
        attachments={detail.attachments}
        metas={content.status === 'ok' ? content.value.attachments : []}
        author={meta.authorPubkey === me.pubkey}
      />
      {admin && <Workflow meta={meta} me={me} />}
      <Thread
        opened={opened}
        me={me}
        // Only the author and report admins can reply, so a reply by anyone else is the hotline's.
        nameOf={(pubkey) =>
          nameOf(pubkey) ?? (pubkey === meta.authorPubkey ? t('reports.someone') : t('reports.hotlineTeam'))
        }
      />
      <ReplyForm reportId={id} />
      {admin && <DeleteReport id={id} />}
    </>
  );
}

function assigneeName(
  me: Me,
  members: ReturnType<typeof useMembers>['data'],
  meta: ReportMeta,
): string | null {
  if (!meta.assigneeId) return null;
  if (meta.assigneeId === me.id) return me.displayName;
  return members?.find((m) => m.id === meta.assigneeId)?.displayName ?? null;
}

/** Type, status, author, times and the assignee: what the server knows of the report. */
function ReportFacts({
  meta,
  types,
  author,
  assignee,
}: {
  meta: ReportMeta;
  types: ReportType[] | undefined;
  author: string;
  assignee: string | null;
}) {
  const { t, i18n } = useTranslation();
  const typeLabel = useTypeLabel(types);
  return (
    <dl className="report-facts" data-testid="report-facts">
      <Fact term={t('reports.type')} dir="auto">
        {typeLabel(meta.typeId)}
      </Fact>
      <Fact term={t('reports.statusLabel')} data-testid="report-status">
        <StatusBadge status={meta.status} />
      </Fact>
      <Fact term={t('reports.author')} dir="auto">
        {author}
      </Fact>
      <Fact term={t('reports.assignee')} dir="auto">
        {meta.assigneeId ? (assignee ?? t('reports.anAdmin')) : t('reports.unassigned')}
      </Fact>
      <Fact term={t('reports.filedAt')}>{formatDateTime(meta.createdAt, i18n.language)}</Fact>
      <Fact term={t('reports.updatedAt')}>{formatDateTime(meta.updatedAt, i18n.language)}</Fact>
    </dl>
  );
}

function showValue(
  value: unknown,
  field: ReportFieldDefinition | undefined,
  t: (k: string) => string,
  locale: string,
) {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? t('reports.yes') : t('reports.no');
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (field?.type === 'datetime' && typeof value === 'string') {
    const when = new Date(value);
    return Number.isNaN(when.getTime()) ? value : when.toLocaleString(locale);
  }
  if (typeof value === 'number') return value.toLocaleString(locale);
  return String(value);
}

/** Title, text, category and field values, labelled by the type's current form (values of removed fields too). */
function ReportContent({ report, type }: { report: LooseReport; type: ReportType | null }) {
  const { t, i18n } = useTranslation();
  const fields = orderedFields(type);
  const known = fields.filter((f) => report.fields[f.id] !== undefined);
  const unknown = Object.keys(report.fields).filter((id) => !fields.some((f) => f.id === id));
  return (
    <>
      {report.category && (
        <p>
          {t('reports.category')}: <UserText>{report.category}</UserText>
        </p>
      )}
      {report.body && (
        <div className="report-body" dir="auto" data-testid="report-body">
          {report.body}
        </div>
      )}
      {(known.length > 0 || unknown.length > 0) && (
        <dl className="report-fields">
          {known.map((field) => (
            <div key={field.id}>
              <dt dir="auto">{fieldLabel(field, i18n.language)}</dt>
              <dd dir="auto">{showValue(report.fields[field.id], field, t, i18n.language)}</dd>
            </div>
          ))}
          {unknown.map((id) => (
            <div key={id}>
              <dt>{t('reports.removedField')}</dt>
              <dd dir="auto">{showValue(report.fields[id], undefined, t, i18n.language)}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

/** Status and assignee, set by report admins (new → in review → closed, any order). */
function Workflow({ meta, me }: { meta: ReportMeta; me: Me }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const users = useQuery({ ...queries.users(), enabled: can(me, 'users:read') });
  const roles = useQuery({ ...queries.roles(), enabled: can(me, 'roles:read') });
  const admins = users.data && roles.data ? reportAdmins(users.data, roles.data) : [];
  const form = useForm<{ status: ReportStatus; assigneeId: string }>({
    values: { status: meta.status, assigneeId: meta.assigneeId ?? '' },
  });
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async (v: { status: ReportStatus; assigneeId: string }) => {
    setSaved(false);
    const change: { status?: ReportStatus; assigneeId?: string | null } = {};
    if (v.status !== meta.status) change.status = v.status;
    if ((v.assigneeId || null) !== meta.assigneeId) change.assigneeId = v.assigneeId || null;
    if (Object.keys(change).length === 0) return;
    await patchReport(meta.id, change);
    setSaved(true);
    await queryClient.invalidateQueries({ queryKey: reportKeys.all });
  });
  return (
    <Panel id="report-workflow" title={t('reports.workflow')} onSubmit={form.handleSubmit(save.run)}>
      <div className="report-filter-grid">
        <div>
          <label htmlFor="report-status-select">{t('reports.statusLabel')}</label>
          <select id="report-status-select" {...form.register('status')}>
            <StatusOptions />
          </select>
        </div>
        <div>
          <label htmlFor="report-assignee">{t('reports.assignee')}</label>
          <select id="report-assignee" {...form.register('assigneeId')}>
            <option value="">{t('reports.unassigned')}</option>
            {meta.assigneeId && !admins.some((a) => a.id === meta.assigneeId) && (
              <option value={meta.assigneeId} dir="auto">
                {meta.assigneeId === me.id ? me.displayName : t('reports.anAdmin')}
              </option>
            )}
            <NamedOptions options={admins.map((a) => ({ value: a.id, label: a.displayName }))} />
          </select>
          {!users.data && meta.assigneeId !== me.id && (
            <button type="button" className="secondary" onClick={() => form.setValue('assigneeId', me.id)}>
              {t('reports.assignToMe')}
            </button>
          )}
        </div>
      </div>
      <FormActions submit={save} status={saved ? t('reports.workflowSaved') : ''} />
    </Panel>
  );
}

/** The replies between the author and the report admins, oldest first (the newest at the bottom). */
function Thread({
  opened,
  me,
  nameOf,
}: {
  opened: OpenedReport;
  me: Me;
  nameOf: (pubkey: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const replies = [...opened.replies].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return (
    <section aria-labelledby="report-thread-heading">
      <h2 id="report-thread-heading">{t('reports.thread')}</h2>
      {replies.length === 0 && <EmptyState>{t('reports.noReplies')}</EmptyState>}
      <ol className="report-thread" data-testid="report-thread">
        {replies.map((reply) => (
          <li
            key={reply.id}
            className={`panel report-reply${reply.authorPubkey === me.pubkey ? ' mine' : ''}`}
            data-testid="report-reply"
          >
            <div className="report-reply-head">
              <UserText>{nameOf(reply.authorPubkey)}</UserText>
              <span className="hint">{formatDateTime(reply.createdAt, i18n.language)}</span>
            </div>
            <OpenProblem opened={reply.opened} />
            {reply.opened.status === 'ok' && (
              <p className="report-reply-body" dir="auto">
                {reply.opened.value}
              </p>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A new reply, sealed for the author and every current report admin. */
function ReplyForm({ reportId }: { reportId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const form = useForm<{ body: string }>({ defaultValues: { body: '' } });
  const [replyId, setReplyId] = useState(() => crypto.randomUUID());
  const problem = form.formState.errors.body?.message;
  const send = useSubmit(async ({ body }: { body: string }) => {
    await replyToReport(reportId, replyId, body.trim());
    form.reset({ body: '' });
    setReplyId(crypto.randomUUID());
    await queryClient.invalidateQueries({ queryKey: reportKeys.all });
  });
  return (
    <Panel id="report-reply-heading" title={t('reports.replyTitle')} onSubmit={form.handleSubmit(send.run)}>
      <ReportTextBox
        id="report-reply"
        caption={t('reports.replyLabel')}
        rows={4}
        limit={REPLY_BODY_MAX}
        problem={problem}
        {...form.register('body', { validate: (v) => (v.trim() ? true : 'required') })}
      />
      <FormActions submit={send} action={t('reports.sendReply')} busyAction={t('reports.sending')} />
    </Panel>
  );
}

/** Deleting a report for good (its replies and files too), after a confirmation. */
function DeleteReport({ id }: { id: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  return (
    <div className="button-row">
      <ConfirmedButton
        action={t('reports.delete')}
        title={t('reports.deleteTitle')}
        message={t('reports.deleteConfirm')}
        onConfirm={async () => {
          await deleteReport(id);
          await queryClient.invalidateQueries({ queryKey: reportKeys.all });
          navigate('/reports');
        }}
      />
    </div>
  );
}
