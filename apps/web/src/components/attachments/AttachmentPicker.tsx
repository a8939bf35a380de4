import { type DragEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { UserText, userTextIn } from '../UserText.js';
import { formatBytes } from './units.js';
import './attachments.css';

const sameFile = (a: File, b: File) =>
  a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

/**
 * Chooses the files of a report: a file input and a drop zone. Files over the hotline's per-file
 * limit are refused here with a clear line (the server refuses them too, while streaming).
 * `onChange` gets the whole current choice after each change.
 */
export function AttachmentPicker({
  onChange,
  maxFileBytes,
  disabled,
}: {
  onChange: (files: File[]) => void;
  maxFileBytes: number;
  disabled?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const inputId = useId();
  const hintId = useId();
  const labelId = useId();
  const [files, setFiles] = useState<File[]>([]);
  const [refused, setRefused] = useState<File[]>([]);
  const [over, setOver] = useState(false);
  const limit = formatBytes(maxFileBytes, i18n.language);

  const add = (chosen: File[]) => {
    const fits = chosen.filter((f) => f.size <= maxFileBytes);
    setRefused(chosen.filter((f) => f.size > maxFileBytes));
    const next = [...files, ...fits.filter((f) => !files.some((g) => sameFile(f, g)))];
    setFiles(next);
    onChange(next);
  };
  const remove = (file: File) => {
    const next = files.filter((f) => f !== file);
    setFiles(next);
    onChange(next);
  };
  const drop = (event: DragEvent<HTMLFieldSetElement>) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) add([...event.dataTransfer.files]);
  };

  return (
    <div className="attachment-picker">
      {/* The input is the accessible way in; dropping is a shortcut for pointer users. */}
      <fieldset
        className={over ? 'drop-zone drop-zone-over' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          if (!disabled) setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <legend id={labelId}>{t('attachments.picker.label')}</legend>
        <input
          id={inputId}
          aria-labelledby={labelId}
          type="file"
          multiple
          disabled={disabled}
          aria-describedby={hintId}
          onChange={(event) => {
            add([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
        <p id={hintId} className="hint">
          {t('attachments.picker.hint', { limit })}
        </p>
      </fieldset>
      {refused.map((file) => (
        <p key={`${file.name}-${file.size}`} role="alert" className="error">
          {userTextIn(t, 'attachments.picker.tooLarge', { name: file.name }, { limit })}
        </p>
      ))}
      {files.length > 0 && (
        <ul className="chosen-files" aria-label={t('attachments.picker.chosen')}>
          {files.map((file) => (
            <ChosenFile
              key={`${file.name}-${file.size}-${file.lastModified}`}
              file={file}
              onRemove={remove}
              disabled={disabled}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function ChosenFile({
  file,
  onRemove,
  disabled,
}: {
  file: File;
  onRemove: (f: File) => void;
  disabled?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const nameId = useId();
  return (
    <li>
      <span id={nameId}>
        <UserText>{file.name}</UserText>
      </span>{' '}
      <span className="hint">{formatBytes(file.size, i18n.language)}</span>{' '}
      <button
        type="button"
        className="secondary"
        aria-describedby={nameId}
        disabled={disabled}
        onClick={() => onRemove(file)}
      >
        {t('attachments.picker.remove')}
      </button>
    </li>
  );
}
