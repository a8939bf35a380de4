import { useTranslation } from 'react-i18next';
import type { Me } from '../app/session.js';

export function DashboardPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('dashboard.title', { name: me.displayName })}</h1>
      <p data-testid="my-roles">{t('dashboard.roles', { roles: me.roles.join(', ') })}</p>
    </section>
  );
}
