import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Panel } from '../../components/Panel.js';
import { WipeDeviceDialog } from '../../components/WipeDeviceDialog.js';

/** The deliberate way to wipe this device: the button opens the typed confirmation (so does Ctrl+Alt+Shift+W). */
export function DangerZoneSection() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <Panel id="danger-zone" title={t('wipe.dangerZone')} className="danger-zone">
      <p className="hint">{t('wipe.help')}</p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        {t('app.panic')}
      </button>
      <WipeDeviceDialog open={open} onClose={() => setOpen(false)} />
    </Panel>
  );
}
