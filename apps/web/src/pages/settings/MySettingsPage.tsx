import { useTranslation } from 'react-i18next';
import type { PublicConfig } from '../../app/App.js';
import type { Me } from '../../app/session.js';
import { Page } from '../../components/PageHeading.js';
import { ThemePicker } from '../../components/shell/ThemePicker.js';
import { PushNotificationsSection } from '../../pwa/PushNotificationsSection.js';
import { AudioDevicesSection } from './AudioDevicesSection.js';
import { CallTranscriptionSection } from './CallTranscriptionSection.js';
import { DangerZoneSection } from './DangerZoneSection.js';
import { PasskeysSection } from './PasskeysSection.js';
import { ProfileSection } from './ProfileSection.js';
import { RecoverySection } from './RecoverySection.js';
import { SessionsSection } from './SessionsSection.js';
import { VersionLine } from './VersionLine.js';

/** A member's own settings: profile, passkeys, sessions, the headset for browser calls, a fresh recovery key and wiping this device. */
export function MySettingsPage({ me, config }: { me: Me; config: PublicConfig }) {
  const { t } = useTranslation();
  return (
    <Page title={t('mySettings.title')}>
      <ProfileSection me={me} />
      <PasskeysSection />
      <SessionsSection />
      <PushNotificationsSection />
      <AudioDevicesSection />
      <CallTranscriptionSection me={me} />
      <ThemePicker />
      <RecoverySection hotline={config.publicUrl} />
      <DangerZoneSection />
      <VersionLine />
    </Page>
  );
}
