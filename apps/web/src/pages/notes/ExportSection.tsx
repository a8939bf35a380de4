import type { CustomFieldDefinition } from '@llamenos/protocol';
import { useState } from 'react';
import { type UseFormRegister, type UseFormReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { NavLink } from '../../components/NavLink.js';
import { PinAndSubmit } from '../../components/PinField.js';
import { useSubmit } from '../../components/useSubmit.js';
import { buildEncryptedExport, collectExport, downloadBlob } from '../../lib/notes/export.js';
import { notesPool } from '../../lib/notes/pool.js';
import { confirmPin, downloadReadable, exportStamp as stamp } from './exportShared.js';

/**
 * Export of every note: as one encrypted file that only this admin's key opens (their recovery
 * key restores that key on another device; no other admin's key is given the file key), streamed
 * in chunks (docs/PROTOCOL.md, "Notes export file"), or, after the PIN is entered again, as readable
 * JSON or CSV made in this browser. The server records every export in the audit log.
 */
export function ExportSection({
  fields,
  authorName,
}: {
  fields: CustomFieldDefinition[];
  authorName: (pubkey: string) => string | null;
}) {
  const { t } = useTranslation();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const onProgress = (d: number, total: number) => setProgress({ done: d, total });
  const form = useForm<ReadableChoice>({ defaultValues: { pin: '', format: 'csv' } });

  /** One export at a time; the last one's outcome (done, refused, failed) replaces the previous. */
  const exporting = useSubmit(async (action: () => Promise<void>) => {
    setMessage(null);
    setDone(null);
    try {
      await action();
    } finally {
      setProgress(null);
    }
  });
  const busy = progress !== null || exporting.busy;

  const encrypted = () =>
    exporting.run(async () => {
      setProgress({ done: 0, total: 0 });
      const file = await buildEncryptedExport(notesPool(), fields, authorName, onProgress);
      downloadBlob(file.blob, `llamenos-notes-${stamp()}.llamenos-export`);
      setDone(t('notes.export.doneEncrypted', { count: file.count }));
    });

  const readable = ({ pin, format }: ReadableChoice) =>
    exporting.run(async () => {
      const refused = await confirmPin(pin, t);
      form.setValue('pin', '');
      if (refused) return setMessage(refused);
      setProgress({ done: 0, total: 0 });
      const content = await collectExport(notesPool(), fields, authorName, onProgress);
      downloadReadable(content, format, t);
      setDone(t('notes.export.doneReadable', { count: content.notes.length }));
    });

  return (
    <section className="panel note-export" aria-labelledby="note-export-title">
      <h2 id="note-export-title">{t('notes.export.title')}</h2>
      <p className="hint">{t('notes.export.audited')}</p>
      <h3>{t('notes.export.encryptedTitle')}</h3>
      <p>{t('notes.export.encryptedHelp')}</p>
      <button type="button" disabled={busy} onClick={() => void encrypted()}>
        {t('notes.export.encryptedButton')}
      </button>
      <p>
        <NavLink href="/admin/open-export">{t('notes.openExport.link')}</NavLink>
      </p>
      <h3>{t('notes.export.readableTitle')}</h3>
      <p className="notice">{t('notes.export.readableWarning')}</p>
      <ReadableExportForm form={form} busy={busy} onExport={readable} />
      <ExportStatus progress={progress} message={message} error={exporting.error} done={done} />
    </section>
  );
}

interface ReadableChoice {
  pin: string;
  format: 'json' | 'csv';
}

/** The readable export's format, and the PIN asked for again before anything readable is made. */
function ReadableExportForm({
  form,
  busy,
  onExport,
}: {
  form: UseFormReturn<ReadableChoice>;
  busy: boolean;
  onExport: (choice: ReadableChoice) => Promise<void>;
}) {
  const { t } = useTranslation();
  const pin = form.watch('pin');
  return (
    <form onSubmit={form.handleSubmit(onExport)}>
      <FormatChoice register={form.register} />
      <PinAndSubmit
        id="export-pin"
        caption={t('notes.export.pin')}
        pin={form.register('pin')}
        submit={t('notes.export.readableButton')}
        ready={!!pin}
        busy={busy}
      />
    </form>
  );
}

function FormatChoice({ register }: { register: UseFormRegister<ReadableChoice> }) {
  const { t } = useTranslation();
  return (
    <fieldset>
      <legend>{t('notes.export.format')}</legend>
      <div className="checkbox">
        <input id="export-csv" type="radio" value="csv" {...register('format')} />
        <label htmlFor="export-csv">CSV</label>
      </div>
      <div className="checkbox">
        <input id="export-json" type="radio" value="json" {...register('format')} />
        <label htmlFor="export-json">JSON</label>
      </div>
    </fieldset>
  );
}

/** How far the export is, and how the last one ended. */
function ExportStatus({
  progress,
  message,
  error,
  done,
}: {
  progress: { done: number; total: number } | null;
  message: string | null;
  error: unknown;
  done: string | null;
}) {
  const { t } = useTranslation();
  return (
    <>
      {progress && (
        <div>
          <label htmlFor="export-progress">{t('notes.export.progress', progress)}</label>
          <progress id="export-progress" max={progress.total || 1} value={progress.done} />
        </div>
      )}
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      <ErrorMessage error={error} />
      <p role="status" className="success">
        {done}
      </p>
    </>
  );
}
