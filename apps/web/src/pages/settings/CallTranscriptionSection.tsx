import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../../app/session.js';
import { Panel } from '../../components/Panel.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { updateMyProfile } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

/**
 * A volunteer's own choice about transcription of the calls they answer in the browser. It is
 * stored with their profile (users.transcribe_my_calls), not on this device, so it follows them
 * to every browser they answer in; the server refuses a call transcript from someone who opted out.
 */
export function CallTranscriptionSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  const settings = useQuery(queries.publicSettings());
  const [transcribe, setTranscribe] = useState(me.transcribeMyCalls);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    await updateMyProfile({ transcribeMyCalls: transcribe });
    await loadMe();
    setSaved(true);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const hotline = settings.data?.transcription;
  const offered = Boolean(hotline?.enabled && hotline.browserCalls);
  return (
    <Panel id="call-transcription-title" title={t('transcription.mine.title')} onSubmit={submit}>
      <label className="checkbox toggle">
        <input
          type="checkbox"
          checked={transcribe}
          onChange={(e) => setTranscribe(e.target.checked)}
          aria-describedby="call-transcription-privacy"
        />
        {t('transcription.mine.label')}
      </label>
      <p className="hint" id="call-transcription-privacy">
        {t('transcription.mine.privacy')}
      </p>
      {settings.data && !offered && <p className="hint">{t('transcription.mine.hotlineOff')}</p>}
      <FormActions submit={save} status={saved ? t('common.saved') : ''} />
    </Panel>
  );
}
