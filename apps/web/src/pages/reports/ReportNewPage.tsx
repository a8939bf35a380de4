import type { ReportMeta, ReportType } from '@llamenos/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { type RefObject, useEffect, useRef, useState } from 'react';
import { type FieldErrors, type Resolver, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { navigate } from '../../app/router.js';
import { DraftNotice } from '../../components/DraftNotice.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { SubpageOf } from '../../components/SealedPages.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { fetchReportReaders } from '../../lib/api/index.js';
import { fileFingerprint, prepareAttachments, startUpload } from '../../lib/attachments/index.js';
import { reportKeys } from '../../lib/queries/reports.js';
import { createReport } from '../../lib/reports/api.js';
import {
  deleteReportDraft,
  findReportDraft,
  type ReportDraft,
  saveReportDraft,
} from '../../lib/reports/drafts.js';
import {
  checkReport,
  emptyReportForm,
  fileableTypes,
  orderedFields,
  REPORT_BODY_MAX,
  REPORT_TITLE_MAX,
  type ReportFormValues,
  reportFromForm,
} from '../../lib/reports/payload.js';
import { unlockedSecretKey } from '../../lib/vault.js';
import { ChosenFiles, filesFit, type PreparedFile } from './ChosenFiles.js';
import { ProblemText, problemProps, ReportFieldInput, ReportTextBox } from './ReportFields.js';
import { BACK_TO_REPORTS, KeyNeeded, TypeOptions, useReportTypes } from './shared.js';

/** /reports/new: choose a report type, fill in its form, attach files, and file it. */
export function ReportNewPage() {
  const { t } = useTranslation();
  return (
    <SubpageOf title={t('reports.newTitle')} back={BACK_TO_REPORTS}>
      <KeyNeeded>
        <NewReport />
      </KeyNeeded>
    </SubpageOf>
  );
}

function NewReport() {
  const { t } = useTranslation();
  const { types, limits, taking, error } = useReportTypes();
  // An unfiled report left on this device comes back, under the id it was given.
  const [draft, setDraft] = useState<ReportDraft | null>(() => findReportDraft(unlockedSecretKey()));
  const [reportId] = useState(() => draft?.reportId ?? crypto.randomUUID());
  const [typeId, setTypeId] = useState<string | null>(draft?.typeId ?? null);
  if (error) return <ErrorMessage error={error} />;
  if (!types) return <p aria-busy="true">{t('app.loading')}</p>;
  // Said before anything is typed, not as a refusal once the report is written.
  if (!taking)
    return (
      <p role="alert" className="notice panel">
        {t('reports.notTaking')}
      </p>
    );
  const open = fileableTypes(types);
  // With one type it is chosen already (still shown: it names the form); with none, a report
  // is title, text and files.
  const chosen = open.find((x) => x.id === typeId) ?? (open.length === 1 ? open[0]! : null);
  return (
    <>
      {open.length > 0 && (
        <div>
          <label htmlFor="report-type">{t('reports.type')}</label>
          <select
            id="report-type"
            value={chosen?.id ?? ''}
            onChange={(e) => setTypeId(e.target.value || null)}
          >
            <option value="">{t('reports.chooseType')}</option>
            <TypeOptions types={open} />
          </select>
        </div>
      )}
      {chosen?.description && (
        <p className="hint" dir="auto">
          {chosen.description}
        </p>
      )}
      {draft && (
        <DraftNotice
          savedAt={draft.savedAt}
          restored={(when) => t('reports.draftRestored', { when })}
          discard={t('reports.discardDraft')}
          onDiscard={() => {
            setDraft(null);
            // After the form with the draft's values is gone (it keeps them once more as it goes).
            setTimeout(() => deleteReportDraft(reportId), 0);
          }}
        />
      )}
      {(chosen || open.length === 0) && limits && (
        <ReportForm
          key={`${chosen?.id ?? ''}:${draft ? 'draft' : 'new'}`}
          type={chosen}
          limits={limits}
          reportId={reportId}
          draft={draft && draft.typeId === (chosen?.id ?? null) ? draft : null}
        />
      )}
    </>
  );
}

/** checkReport's problems as react-hook-form errors, so each input shows its own. */
function resolverFor(type: ReportType | null): Resolver<ReportFormValues> {
  return async (values) => {
    const check = checkReport(reportFromForm(values, type), type);
    if (check.ok) return { values, errors: {} };
    const errors: Record<string, unknown> = {};
    const fieldErrors: Record<string, unknown> = {};
    for (const [key, problem] of Object.entries(check.problems)) {
      const error = { type: problem, message: problem };
      if (type?.fields.some((f) => f.id === key)) fieldErrors[key] = error;
      else if (key === 'title' || key === 'body' || key === 'category') errors[key] = error;
      else errors.root = error;
    }
    if (Object.keys(fieldErrors).length) errors.fields = fieldErrors;
    return { values: {}, errors: errors as FieldErrors<ReportFormValues> };
  };
}

/** The report form for one type (or none): title, text, category, the type's fields. */
function ReportForm({
  type,
  limits,
  reportId,
  draft,
}: {
  type: ReportType | null;
  limits: { maxFileBytes: number; maxReportBytes: number };
  /** Chosen once (NewReport), so a retry after a lost answer files the same report, not a second one. */
  reportId: string;
  draft: ReportDraft | null;
}) {
  const { t, i18n } = useTranslation();
  const form = useForm<ReportFormValues>({
    defaultValues: startValues(type, draft),
    resolver: resolverFor(type),
  });
  const { formState } = form;
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const [filed, setFiled] = useState<ReportMeta | null>(null);
  const autosave = useDraftAutosave(form, reportId, type?.id ?? null);
  const [files, setFiles] = useState<PreparedFile[]>([]);
  const save = useFileReport({ type, limits, reportId, files, stopAutosave: autosave.stop, setFiled });

  return (
    <form
      className="panel report-form"
      noValidate
      aria-label={t('reports.formLabel')}
      onSubmit={form.handleSubmit(
        (values) => save.run(values),
        () => summaryRef.current?.focus(),
      )}
    >
      <ProblemSummary summaryRef={summaryRef} errors={formState.errors} />
      <ReportBasics form={form} type={type} />
      {orderedFields(type).map((field) => (
        <ReportFieldInput key={field.id} field={field} form={form} />
      ))}
      <ChosenFiles
        files={files}
        onChange={setFiles}
        limits={limits}
        prepare={prepareAttachments}
        disabled={save.busy || filed !== null}
      />
      <p className="hint">{t('reports.sealedHint')}</p>
      <FormActions
        submit={save}
        action={t('reports.file')}
        busyAction={t('reports.filing')}
        status={filed ? t('reports.filed') : ''}
      />
      <p className="hint" role="status" data-testid="report-draft-status">
        {autosave.savedAt && !filed
          ? t('reports.draftSaved', { when: formatDateTime(autosave.savedAt, i18n.language) })
          : ''}
      </p>
    </form>
  );
}

/** Seals and files the report, then starts the chosen files' uploads and opens the report. */
function useFileReport({
  type,
  limits,
  reportId,
  files,
  stopAutosave,
  setFiled,
}: {
  type: ReportType | null;
  limits: { maxFileBytes: number; maxReportBytes: number };
  reportId: string;
  files: PreparedFile[];
  stopAutosave: () => void;
  setFiled: (report: ReportMeta) => void;
}) {
  const queryClient = useQueryClient();
  return useSubmit(async (values: ReportFormValues) => {
    // ChosenFiles already says which file is over the limit.
    if (!filesFit(files, limits)) return;
    // Each file's fingerprint goes into the sealed report, so resuming it later can tell the
    // very file from another of the same size.
    const metas = await Promise.all(
      files.map(async (f) => ({ ...f.meta, head: await fileFingerprint(f.file) })),
    );
    const payload = reportFromForm(values, type, metas);
    const report = await createReport(reportId, type?.id ?? null, payload);
    stopAutosave();
    deleteReportDraft(reportId);
    void queryClient.invalidateQueries({ queryKey: reportKeys.all });
    setFiled(report);
    // The files are named in the sealed report; their bytes follow, encrypted as they are read.
    // The uploads go on in this tab when the report page opens (it shows their progress), and
    // one cut short is resumed there by choosing the same file again.
    if (files.length) {
      const readers = await fetchReportReaders(report.id);
      for (const f of files) startUpload({ reportId: report.id, id: f.id, file: f.file, readers });
    }
    navigate(`/reports/${report.id}`);
  });
}

/** Says how many problems the form has; focused when filing is refused, so it is heard first. */
function ProblemSummary({
  summaryRef,
  errors,
}: {
  summaryRef: RefObject<HTMLParagraphElement | null>;
  errors: FieldErrors<ReportFormValues>;
}) {
  const { t } = useTranslation();
  const problemCount =
    (['title', 'body', 'category', 'root'] as const).filter((k) => errors[k]).length +
    Object.keys(errors.fields ?? {}).length;
  return (
    <p
      ref={summaryRef}
      tabIndex={-1}
      role={problemCount ? 'alert' : undefined}
      className={problemCount ? 'error' : 'visually-hidden'}
    >
      {problemCount ? t('reports.fixProblems', { count: problemCount }) : ''}
    </p>
  );
}

/** The parts every report has: title, text, and the type's category when it has some. */
function ReportBasics({
  form,
  type,
}: {
  form: ReturnType<typeof useForm<ReportFormValues>>;
  type: ReportType | null;
}) {
  const { t } = useTranslation();
  const { register, formState } = form;
  return (
    <>
      <label htmlFor="report-title">{t('reports.titleLabel')}</label>
      <input
        id="report-title"
        dir="auto"
        maxLength={REPORT_TITLE_MAX}
        aria-required
        {...problemProps('report-title', formState.errors.title?.message)}
        {...register('title')}
      />
      <p className="hint">{t('reports.titleHint')}</p>
      <ProblemText id="report-title" problem={formState.errors.title?.message} max={REPORT_TITLE_MAX} />
      <ReportTextBox
        id="report-body"
        caption={t('reports.bodyLabel')}
        rows={8}
        limit={REPORT_BODY_MAX}
        problem={formState.errors.body?.message}
        {...register('body')}
      />
      {type && type.categories.length > 0 && (
        <div>
          <label htmlFor="report-category">{t('reports.category')}</label>
          <select
            id="report-category"
            {...problemProps('report-category', formState.errors.category?.message)}
            {...register('category')}
          >
            <option value="">{t('reports.noCategory')}</option>
            {type.categories.map((c) => (
              <option key={c} value={c} dir="auto">
                {c}
              </option>
            ))}
          </select>
          <ProblemText id="report-category" problem={formState.errors.category?.message} />
        </div>
      )}
    </>
  );
}

/** The form's first values: empty for the type, with a restored draft's on top. */
function startValues(type: ReportType | null, draft: ReportDraft | null): ReportFormValues {
  const empty = emptyReportForm(type);
  if (!draft) return empty;
  return { ...draft.values, fields: { ...empty.fields, ...draft.values.fields } };
}

const AUTOSAVE_MS = 3000;

/**
 * Keeps an encrypted draft of the form on this device every few seconds while it changes, and
 * once more when the form goes away (another type chosen, the page left); never once the
 * report is filed. Returns when the draft was last kept.
 */
function useDraftAutosave(
  form: ReturnType<typeof useForm<ReportFormValues>>,
  reportId: string,
  typeId: string | null,
): { savedAt: string | null; stop: () => void } {
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const dirty = useRef(false);
  const stopped = useRef(false);
  const persist = useRef(() => {});
  persist.current = () => {
    if (!dirty.current || stopped.current) return;
    if (saveReportDraft(unlockedSecretKey(), reportId, typeId, form.getValues())) {
      dirty.current = false;
      setSavedAt(new Date().toISOString());
    }
  };
  useEffect(() => {
    const watching = form.watch(() => {
      dirty.current = true;
    });
    const timer = setInterval(() => persist.current(), AUTOSAVE_MS);
    return () => {
      watching.unsubscribe();
      clearInterval(timer);
      persist.current();
    };
  }, [form]);
  /** The report was filed or its draft thrown away: nothing is kept from now on. */
  const stop = () => {
    stopped.current = true;
  };
  return { savedAt, stop };
}
