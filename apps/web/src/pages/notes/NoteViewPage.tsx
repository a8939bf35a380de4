import type { CustomFieldDefinition, NoteForReader, NoteVersionInfo } from '@llamenos/protocol';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../../app/session.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { PageHeading } from '../../components/PageHeading.js';
import { useLoad } from '../../components/useLoad.js';
import { fetchNote, fetchVersions } from '../../lib/notes/api.js';
import { loadDraft } from '../../lib/notes/drafts.js';
import { formFromPayload } from '../../lib/notes/payload.js';
import { notesPool } from '../../lib/notes/pool.js';
import type { OpenResult } from '../../lib/notes/protocol.js';
import { type EditorStart, NoteEditor } from './NoteEditor.js';
import {
  authorNameOf,
  FieldValues,
  KeyNeeded,
  NoteProblem,
  shortKey,
  useMembers,
  useNoteFields,
} from './shared.js';
import './notes.css';
import { userTextIn } from '../../components/UserText.js';

interface Opened {
  note: NoteForReader;
  result: OpenResult;
}

/** Fetches one version (the current one by default) and opens it with this reader's own wrap. */
async function openVersion(id: string, fields: CustomFieldDefinition[], version?: number): Promise<Opened> {
  const pool = notesPool();
  await pool.setFields(fields);
  const note = await fetchNote(id, version);
  const [result] = await pool.open([note]);
  if (!result) throw new Error('no result');
  return { note, result };
}

/** /notes/:id: the note, its author and times, its version history, and editing for its author. */
export function NoteViewPage({ id, me }: { id: string; me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeading>{t('notes.viewTitle')}</PageHeading>
      <p>
        <NavLink href="/notes">{t('notes.backToList')}</NavLink>
      </p>
      <KeyNeeded>
        <NoteView id={id} me={me} />
      </KeyNeeded>
    </section>
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
  const { t, i18n } = useTranslation();
  const fields = useNoteFields();
  const members = useMembers(me);
  const [tick, setTick] = useState(0);
  const current = useLoad(`note:${id}:${tick}:${fields.data ? 'f' : ''}`, async () =>
    fields.data ? openVersion(id, fields.data) : null,
  );
  const versions = useLoad(`versions:${id}:${tick}`, () => fetchVersions(id));
  const [older, setOlder] = useState<{ version: number; opened: Opened | null; error: unknown } | null>(null);
  const [editing, setEditing] = useState<EditorStart | null>(null);
  const [saved, setSaved] = useState(false);
  const nameOf = authorNameOf(me, members.data);

  if (fields.error) return <ErrorMessage error={fields.error} />;
  if (current.error) return <ErrorMessage error={current.error} />;
  if (!current.data || !fields.data) return <p aria-busy="true">{t('app.loading')}</p>;
  const { note, result } = current.data;
  const mine = note.authorPubkey === me.pubkey;
  const author = nameOf(note.authorPubkey) ?? shortKey(note.authorPubkey);

  async function showVersion(version: number) {
    if (!fields.data) return;
    setOlder({ version, opened: null, error: null });
    try {
      setOlder({ version, opened: await openVersion(id, fields.data, version), error: null });
    } catch (error) {
      setOlder({ version, opened: null, error });
    }
  }

  function startEdit() {
    if (result.status === 'failed') return;
    const original = { text: result.payload.text, values: formFromPayload(result.payload) };
    const draft = loadDraft(note.id);
    setSaved(false);
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
      <dl className="note-meta">
        <div>
          <dt>{t('notes.author')}</dt>
          <dd data-testid="note-author" dir="auto">
            {author}
          </dd>
        </div>
        <div>
          <dt>{t('notes.created')}</dt>
          <dd>{formatDateTime(note.createdAt, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('notes.updated')}</dt>
          <dd>{formatDateTime(note.updatedAt, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('notes.version')}</dt>
          <dd>{note.version}</dd>
        </div>
        {note.callId && (
          <div>
            <dt>{t('notes.call')}</dt>
            <dd className="ltr-cell">{note.callId}</dd>
          </div>
        )}
      </dl>
      <p role="status" className="success">
        {saved ? t('notes.saved') : ''}
      </p>
      {editing ? (
        <NoteEditor
          start={editing}
          fields={fields.data}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setOlder(null);
            setSaved(true);
            setTick((n) => n + 1);
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
          onShow={showVersion}
        />
      )}
      {older && (
        <article className="panel note-body" aria-label={t('notes.versionN', { n: older.version })}>
          <h3>{t('notes.versionN', { n: older.version })}</h3>
          <ErrorMessage error={older.error} />
          {!older.opened && !older.error && <p aria-busy="true">{t('app.loading')}</p>}
          {older.opened && <NoteBody opened={older.opened} fields={fields.data} />}
        </article>
      )}
    </>
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
            )}
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
