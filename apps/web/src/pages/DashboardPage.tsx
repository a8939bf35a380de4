import { useTranslation } from 'react-i18next';
import type { Me } from '../app/session.js';
import { NavLink } from '../components/NavLink.js';
import { PageHeading } from '../components/PageHeading.js';

export function DashboardPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeading>{t('dashboard.title', { name: me.displayName })}</PageHeading>
      <p data-testid="my-roles">{t('dashboard.roles', { roles: me.roles.join(', ') })}</p>
      <p>{me.onBreak ? t('dashboard.onBreak') : t('dashboard.available')}</p>
      <p>
        <NavLink href="/settings">{t('dashboard.mySettings')}</NavLink>
      </p>
    </section>
  );
}
