import { useTranslation } from 'react-i18next';
import type { Me } from '../../app/session.js';
import { Page } from '../../components/PageHeading.js';
import { ReportsGrantSection } from './ReportsGrantSection.js';
import { KeyNeeded } from './shared.js';

/**
 * /admin/report-access: the reports' grant on a page of its own, for a report admin whose role
 * reads every report but not every note (reports:read-all without notes:read-all), who cannot
 * open the notes' Grant access page where other admins find the same panel.
 */
export function ReportsGrantAccessPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <Page title={t('reports.grant.pageTitle')}>
      <KeyNeeded>
        <ReportsGrantSection me={me} />
      </KeyNeeded>
    </Page>
  );
}
