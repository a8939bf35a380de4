import { useTranslation } from 'react-i18next';
import { can, type Me } from '../app/session.js';
import { NavLink } from '../components/NavLink.js';
import { OnShiftToggle } from '../components/OnShiftToggle.js';
import { Page } from '../components/PageHeading.js';
import { PresencePanel } from '../components/PresencePanel.js';
import { userTextIn } from '../components/UserText.js';
import { dashboardCallStatusKey } from '../lib/calls/status-lines.js';
import { useCalls } from '../lib/calls/store.js';
import { BackupFailedBanner } from './admin/BackupsSection.js';
import { roleNames } from './admin/useRoles.js';
import { SetupChecklist } from './dashboards/SetupChecklist.js';

export function DashboardPage({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const answersCalls = can(me, 'calls:answer');
  const shiftPanel = answersCalls && can(me, 'shifts:read');
  const onCall = useCalls().active !== null;
  const callStatus = dashboardCallStatusKey(me, answersCalls, shiftPanel, onCall);
  return (
    <Page title={userTextIn(t, 'dashboard.title', { name: me.displayName })}>
      {can(me, 'settings:read') && <BackupFailedBanner />}
      {can(me, 'settings:write') && <SetupChecklist />}
      <p data-testid="my-roles">
        {userTextIn(t, 'dashboard.roles', {
          roles: roleNames(t, i18n.language, me.roles, undefined, 'inSentence'),
        })}
      </p>
      {callStatus && <p>{t(callStatus)}</p>}
      {shiftPanel && <OnShiftToggle me={me} />}
      <p>
        <NavLink href="/settings">{t('dashboard.mySettings')}</NavLink>
      </p>
      {can(me, 'users:read') && <PresencePanel myPubkey={me.pubkey} />}
    </Page>
  );
}
