import type { CustomFieldDefinition, NoteVersionInfo } from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { SubpageOf } from '../../components/SealedPages.js';
import { useToast } from '../../components/Toast.js';
import { loadDraft } from '../../lib/notes/drafts.js';
import { formFromPayload } from '../../lib/notes/payload.js';
import { queryKeys } from '../../lib/queries/index.js';
import { CallLink } from '../calls/CallLink.js';
import { type EditorStart, NoteEditor } from './NoteEditor.js';
import {
  authorNameOf,
  BACK_TO_NOTES,
  FieldValues,
  KeyNeeded,
  NoteProblem,
  shortKey,
  useMembers,
  useNoteFields,
} from './shared.js';
import './notes.css';
import { Fact } from '../../components/Fact.js';
import { userTextIn } from '../../components/UserText.js';
import { noteQueries, type OpenedNote as Opened } from './queries.js';

/** /notes/:id: the note, its author and times, its version history, and editing for its author. */
export function NoteViewPage({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  return (
    <SubpageOf title={t('notes.viewTitle')} back={BACK_TO_NOTES}>
      <KeyNeeded>
        <NoteView id={id} me={me} />
      </KeyNeeded>
    </SubpageOf>
  );
}

function NoteBody({ opened, fields }: { opened: Opened; fields: CustomFieldDefinition[] }) {
  const { result } = opened;
  if (result.status === 'failed') return <NoteProblem result={result} />;
  return (
    <>
      <NoteProblem result={result} />
      <div className="note-text" data-testid="note-text" dir="auto">
        {result.payload.text}
      </div>
      <FieldValues
        payload={result.payload}
        fields={fields}
        problems={result.status === 'mismatch' ? result.problems : undefined}
      />
    </>
  );
}

function NoteView({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  const fields = useNoteFields();
  const members = useMembers(me);
  const current = useQuery(noteQueries.opened(id, fields.data));
  const versions = useQuery(noteQueries.versions(id));
  const [olderVersion, setOlderVersion] = useState<number | null>(null);
  const [editing, setEditing] = useState<EditorStart | null>(null);
  const toast = useToast();
  const queryClient = useQueryClient();
  const nameOf = authorNameOf(me, members.data);

  if (fields.error) return <ErrorMessage error={fields.error} />;
  if (current.error) return <ErrorMessage error={current.error} />;
  if (!current.data || !fields.data) return <p aria-busy="true">{t('app.loading')}</p>;
  const { note, result } = current.data;
  const mine = note.authorPubkey === me.pubkey;

  function startEdit() {
    if (result.status === 'failed') return;
    const original = { text: result.payload.text, values: formFromPayload(result.payload) };
    const draft = loadDraft(note.id);
    setEditing({
      noteId: note.id,
      baseVersion: note.version,
      callId: note.callId,
      ...(draft ? { text: draft.text, values: draft.values } : original),
      restored: draft,
      original,
    });
  }

  return (
    <>
      <NoteFacts opened={current.data} author={nameOf(note.authorPubkey) ?? shortKey(note.authorPubkey)} />
      {editing ? (
        <NoteEditor
          start={editing}
          fields={fields.data}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setOlderVersion(null);
            toast(t('notes.saved'));
            void queryClient.invalidateQueries({ queryKey: queryKeys.note(id) });
            void queryClient.invalidateQueries({ queryKey: queryKeys.noteVersions(id) });
          }}
        />
      ) : (
        <article className="panel note-body" aria-label={t('notes.content')}>
          <NoteBody opened={current.data} fields={fields.data} />
          {mine && can(me, 'notes:write') && result.status !== 'failed' && (
            <div className="button-row">
              <button type="button" onClick={startEdit}>
                {t('notes.edit')}
              </button>
            </div>
          )}
        </article>
      )}
      <h2>{t('notes.history')}</h2>
      <ErrorMessage error={versions.error} />
      {versions.data && (
        <HistoryList
          versions={versions.data}
          nameOf={(pubkey) => nameOf(pubkey) ?? shortKey(pubkey)}
          current={note.version}
          onShow={setOlderVersion}
        />
      )}
      {olderVersion !== null && (
        <OlderVersion key={olderVersion} id={id} version={olderVersion} fields={fields.data} />
      )}
    </>
  );
}

/** Who wrote the note, when, which version this is, and for which call. */
function NoteFacts({ opened: { note }, author }: { opened: Opened; author: string }) {
  const { t, i18n } = useTranslation();
  return (
    <dl className="note-meta">
      <Fact term={t('notes.author')} data-testid="note-author" dir="auto">
        {author}
      </Fact>
      <Fact term={t('notes.created')}>{formatDateTime(note.createdAt, i18n.language)}</Fact>
      <Fact term={t('notes.updated')}>{formatDateTime(note.updatedAt, i18n.language)}</Fact>
      <Fact term={t('notes.version')}>{note.version}</Fact>
      {note.callId && (
        <Fact term={t('notes.call')} data-testid="note-call">
          <CallLink callId={note.callId} />
        </Fact>
      )}
    </dl>
  );
}

/** An earlier version, opened on request. */
function OlderVersion({
  id,
  version,
  fields,
}: {
  id: string;
  version: number;
  fields: CustomFieldDefinition[];
}) {
  const { t } = useTranslation();
  const older = useQuery(noteQueries.opened(id, fields, version));
  return (
    <article className="panel note-body" aria-label={t('notes.versionN', { n: version })}>
      <h3>{t('notes.versionN', { n: version })}</h3>
      <ErrorMessage error={older.error} />
      {older.isPending && <p aria-busy="true">{t('app.loading')}</p>}
      {older.data && <NoteBody opened={older.data} fields={fields} />}
    </article>
  );
}

function HistoryList({
  versions,
  nameOf,
  current,
  onShow,
}: {
  versions: NoteVersionInfo[];
  nameOf: (pubkey: string) => string;
  current: number;
  onShow: (version: number) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <ol className="note-history">
      {[...versions]
        .sort((a, b) => b.version - a.version)
        .map((v) => (
          <li key={v.version}>
            {userTextIn(
              t,
              'notes.versionLine',
              { who: nameOf(v.createdBy) },
              { n: v.version, when: formatDateTime(v.createdAt, i18n.language) },
            )}{' '}
            {v.version === current ? (
              <span className="badge">{t('notes.currentVersion')}</span>
            ) : (
              <button type="button" className="secondary" onClick={() => onShow(v.version)}>
                {t('notes.showVersion', { n: v.version })}
              </button>
            )}
          </li>
        ))}
    </ol>
  );
}
