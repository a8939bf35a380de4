import type { TranscriptionModelInfo, TranscriptionSettings } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { formatDateTime } from '../../components/format.js';
import { Panel } from '../../components/Panel.js';
import { UserText } from '../../components/UserText.js';
import { deleteModel } from '../../lib/api/index.js';
import { queries, queryKeys } from '../../lib/queries/index.js';
import { singleThreadReason } from '../../lib/transcription/engine.js';
import { ModelFileError } from '../../lib/transcription/model-file.js';
import { type ModelUploadProgress, uploadModel } from '../../lib/transcription/model-upload.js';
import { SettingsSectionForm } from './SettingsSectionForm.js';
import type { SectionProps } from './SimpleSections.js';

const SWITCHES = [
  'enabled',
  'autoVoicemails',
  'browserCalls',
] as const satisfies (keyof TranscriptionSettings)[];

/** The official whisper.cpp files an admin may choose from (ggerganov/whisper.cpp on Hugging Face). */
const OFFICIAL_MODELS = [
  { name: 'ggml-tiny.en.bin', size: '75 MiB' },
  { name: 'ggml-tiny.bin', size: '75 MiB' },
  { name: 'ggml-base.en.bin', size: '142 MiB' },
  { name: 'ggml-base.bin', size: '142 MiB' },
  { name: 'ggml-small.bin', size: '466 MiB' },
];

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** The model in use: its file name and size, SHA-256 and when it was uploaded; or that there is none. */
function ModelInfo({ model }: { model: TranscriptionModelInfo | null }) {
  const { t, i18n } = useTranslation();
  return model ? (
    <dl className="model-info" data-testid="transcription-model">
      <dt>{t('transcription.model.file')}</dt>
      <dd>
        <UserText>{model.name}</UserText> ({t('transcription.model.mib', { size: mib(model.size) })})
      </dd>
      <dt>{t('transcription.model.sha256')}</dt>
      <dd dir="ltr">
        <code data-testid="transcription-model-sha256">{model.sha256}</code>
      </dd>
      <dt>{t('transcription.model.uploadedAt')}</dt>
      <dd>{formatDateTime(model.uploadedAt, i18n.language)}</dd>
    </dl>
  ) : (
    <p className="hint" data-testid="transcription-no-model">
      {t('transcription.model.none')}
    </p>
  );
}

/** The official files, by name and size, so an admin knows what to fetch. */
function OfficialModels() {
  return (
    <ul className="hint">
      {OFFICIAL_MODELS.map((m) => (
        <li key={m.name} dir="ltr">
          <code>
            <UserText>{m.name}</UserText>
          </code>{' '}
          — {m.size}
        </li>
      ))}
    </ul>
  );
}

/** The upload's phase, bytes sent and (once read) the file's SHA-256. */
function UploadProgress({ progress }: { progress: ModelUploadProgress }) {
  const { t } = useTranslation();
  return (
    <div role="status" data-testid="transcription-upload" data-phase={progress.phase}>
      <p id="transcription-upload-phase">{t(`transcription.model.phase.${progress.phase}`)}</p>
      <progress
        aria-labelledby="transcription-upload-phase"
        max={progress.totalBytes}
        value={progress.sentBytes}
      />
      {progress.sha256 && (
        <p>
          {t('transcription.model.sha256')}: <code dir="ltr">{progress.sha256}</code>
        </p>
      )}
    </div>
  );
}

/** The model asset: what is there, its SHA-256, and uploading or removing it. */
function ModelPanel({ writable }: { writable: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const settings = useQuery(queries.publicSettings());
  const model = settings.data?.transcription.model ?? null;
  const singleThread = singleThreadReason(settings.data?.transcription.crossOriginIsolation);
  const [progress, setProgress] = useState<ModelUploadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const busy = progress !== null && progress.phase !== 'done';

  async function upload(file: File) {
    setError(null);
    try {
      await uploadModel(file, setProgress);
      await client.invalidateQueries({ queryKey: queryKeys.publicSettings });
    } catch (e) {
      setError(e instanceof ModelFileError ? new Error(t(`transcription.model.problem.${e.problem}`)) : e);
      setProgress(null);
    }
  }

  async function remove() {
    setError(null);
    try {
      await deleteModel();
      setProgress(null);
      await client.invalidateQueries({ queryKey: queryKeys.publicSettings });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Panel id="transcription-model-title" title={t('transcription.model.title')}>
      <ModelInfo model={model} />
      <p className="hint">{t('transcription.model.where')}</p>
      <OfficialModels />
      <p className="hint">{t('transcription.model.checkHash')}</p>
      {singleThread && <p className="hint">{t(`transcription.singleThread.${singleThread}`)}</p>}
      {writable && (
        <>
          <label htmlFor="transcription-model-file">{t('transcription.model.choose')}</label>
          <input
            id="transcription-model-file"
            type="file"
            accept=".bin,application/octet-stream"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void upload(file);
              e.target.value = '';
            }}
          />
          {progress && <UploadProgress progress={progress} />}
          {model && (
            <button type="button" className="secondary danger" disabled={busy} onClick={() => void remove()}>
              {t('transcription.model.remove')}
            </button>
          )}
          <ActionError error={error} />
        </>
      )}
    </Panel>
  );
}

/** Settings → Transcription: the switches (saved with the settings document) and the model asset. */
export function TranscriptionSection({ settings, save, ...sectionForm }: SectionProps) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<TranscriptionSettings>(settings.transcription);
  return (
    <div id="transcription">
      <SettingsSectionForm
        title={t('transcription.settings.title')}
        {...sectionForm}
        onSubmit={() => save({ transcription: draft })}
      >
        {SWITCHES.map((key) => (
          <div key={key}>
            <label className="checkbox">
              <input
                type="checkbox"
                aria-describedby={`set-transcription-${key}-hint`}
                checked={draft[key]}
                onChange={(e) => setDraft({ ...draft, [key]: e.target.checked })}
              />
              {t(`transcription.settings.${key}`)}
            </label>
            <p id={`set-transcription-${key}-hint`} className="hint">
              {t(`transcription.settings.${key}Hint`)}
            </p>
          </div>
        ))}
      </SettingsSectionForm>
      <ModelPanel writable={!sectionForm.readOnly} />
    </div>
  );
}
