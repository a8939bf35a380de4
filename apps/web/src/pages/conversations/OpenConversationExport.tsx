import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../components/format.js';
import { Panel } from '../../components/Panel.js';
import { UserText } from '../../components/UserText.js';
import { openConversationExportFile } from '../../lib/conversations/export.js';
import {
  CONVERSATION_EXPORT_EXTENSION,
  type ConversationExport,
  ConversationExportError,
  type ExportedMessage,
} from '../../lib/conversations/export-file.js';
import { downloadText } from '../../lib/notes/export.js';
import { OpenSealedExportForm } from '../notes/OpenSealedExportForm.js';
import { useOpenSealedExport } from '../notes/useOpenSealedExport.js';
import { contactLabel } from './shared.js';

/**
 * Open a sealed conversation export (PROTOCOL.md §10.3) made by this admin's key: the PIN is
 * asked again, then the file is opened in this browser and the transcript shown here, in memory
 * only. A readable copy is saved only when the admin asks for it, with the warning beside it.
 */
export function OpenConversationExport() {
  const { t } = useTranslation();
  const state = useOpenSealedExport(openConversationExportFile, ConversationExportError, (problem) =>
    t(`conversations.openExport.problem.${problem}`),
  );
  const { opened } = state;

  return (
    <Panel id="open-conversation-export-title" title={t('conversations.openExport.title')}>
      <p className="hint">{t('conversations.openExport.help')}</p>
      <OpenSealedExportForm
        id="open-conversation-export"
        accept={CONVERSATION_EXPORT_EXTENSION}
        state={state}
        keys={{
          file: 'conversations.openExport.file',
          pin: 'conversations.openExport.pin',
          open: 'conversations.openExport.open',
          opening: 'conversations.openExport.opening',
        }}
      />
      {opened && <OpenedTranscript opened={opened} />}
    </Panel>
  );
}

/** Contact · channel: the last four digits only, as the thread shows them. */
function heading(opened: ConversationExport, t: TFunction): string {
  return `${contactLabel(opened.conversation, t)} · ${opened.conversation.channel}`;
}

const senderOf = (m: ExportedMessage, t: TFunction) =>
  m.direction === 'in' ? t('conversations.fromContact') : (m.author ?? t('conversations.automatic'));

/** The readable transcript as plain text (what "Save readable transcript" writes). */
export function transcriptText(opened: ConversationExport, t: TFunction, language: string): string {
  const lines = [
    heading(opened, t),
    t('conversations.openExport.exportedAt', { date: formatDateTime(opened.exportedAt, language) }),
    '',
  ];
  for (const m of opened.messages) {
    const text = m.status === 'ok' ? (m.body ?? '') : t('conversations.openExport.unopened');
    lines.push(`[${formatDateTime(m.createdAt, language)}] ${senderOf(m, t)}: ${text}`);
    if (m.attachments.length)
      lines.push(`  ${t('conversations.openExport.attachments', { count: m.attachments.length })}`);
  }
  return `${lines.join('\n')}\n`;
}

function OpenedTranscript({ opened }: { opened: ConversationExport }) {
  const { t, i18n } = useTranslation();
  return (
    <div data-testid="conversation-export-opened">
      <p role="status" className="success">
        {t('conversations.openExport.summary', {
          count: opened.messages.length,
          date: formatDateTime(opened.exportedAt, i18n.language),
        })}
      </p>
      <p className="ltr">{heading(opened, t)}</p>
      <ol className="message-list" aria-label={t('conversations.threadLabel')}>
        {opened.messages.map((m) => (
          <li
            key={m.id}
            className={`message message-${m.direction}`}
            data-testid={`export-message-${m.direction}`}
          >
            <p className="message-meta hint">
              {m.direction === 'out' && m.author ? <UserText>{m.author}</UserText> : senderOf(m, t)}
              {' · '}
              <time dateTime={m.createdAt}>{formatDateTime(m.createdAt, i18n.language)}</time>
            </p>
            {m.status === 'ok' ? (
              <p className="message-body" dir="auto">
                {m.body}
              </p>
            ) : (
              <p className="hint message-body">{t('conversations.openExport.unopened')}</p>
            )}
            {m.attachments.length > 0 && (
              <p className="hint">
                {t('conversations.openExport.attachments', { count: m.attachments.length })}
              </p>
            )}
          </li>
        ))}
      </ol>
      <p className="notice">{t('conversations.openExport.readableWarning')}</p>
      <div className="button-row">
        <button
          type="button"
          className="secondary"
          onClick={() =>
            downloadText(
              transcriptText(opened, t, i18n.language),
              `conversation-${opened.conversation.id.slice(0, 8)}-transcript.txt`,
              'text/plain;charset=utf-8',
            )
          }
        >
          {t('conversations.openExport.saveReadable')}
        </button>
      </div>
    </div>
  );
}
