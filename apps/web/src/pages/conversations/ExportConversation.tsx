import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ActionError } from '../../components/ActionError.js';
import { ActionButton } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { buildConversationExport } from '../../lib/conversations/export.js';
import { downloadBlob } from '../../lib/notes/export.js';

/**
 * "Export (sealed)": the conversation as a file that only this admin's key opens (PROTOCOL.md
 * §10.3). The server audits the export before sending anything; the messages are opened and
 * sealed again in this browser, and no readable copy is saved.
 */
export function ExportConversation({
  conversationId,
  nameOf,
}: {
  conversationId: string;
  nameOf: (userId: string) => string;
}) {
  const { t } = useTranslation();
  const [done, setDone] = useState<number | null>(null);
  const run = useSubmit(async () => {
    setDone(null);
    const file = await buildConversationExport(conversationId, nameOf);
    downloadBlob(file.blob, file.filename);
    setDone(file.count);
  });
  return (
    <div className="conversation-export">
      <div className="button-row">
        <ActionButton
          busy={run.busy}
          className="secondary"
          busyAction={t('conversations.export.busy')}
          describedBy={`export-${conversationId}-help`}
          onClick={run.run}
        >
          {t('conversations.export.action')}
        </ActionButton>
      </div>
      <p id={`export-${conversationId}-help`} className="hint">
        {t('conversations.export.help')}
      </p>
      {done !== null && (
        <p role="status" className="success" data-testid="conversation-export-done">
          {t('conversations.export.done', { count: done })}
        </p>
      )}
      <ActionError error={run.error} />
    </div>
  );
}
