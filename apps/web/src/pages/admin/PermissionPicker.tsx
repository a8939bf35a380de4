import { useTranslation } from 'react-i18next';

/** Groups `domain:action` permissions by domain, in catalogue order. */
export function groupByDomain(permissions: readonly string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const p of permissions) {
    const domain = p.slice(0, p.indexOf(':'));
    groups.set(domain, [...(groups.get(domain) ?? []), p]);
  }
  return [...groups];
}

/**
 * The permission checklist of a custom role: one fieldset per domain with its wildcard
 * (`domain:*`) first; a wildcard (or `*`) shows the permissions it covers as checked and fixed.
 */
export function PermissionPicker({
  catalogue,
  value,
  onChange,
}: {
  catalogue: readonly string[];
  value: string[];
  onChange: (value: string[]) => void;
}) {
  const { t } = useTranslation();
  const all = value.includes('*');
  const set = (grant: string, on: boolean) =>
    onChange(on ? [...value.filter((g) => g !== grant), grant] : value.filter((g) => g !== grant));

  return (
    <fieldset className="permission-picker">
      <legend>{t('roles.permissions')}</legend>
      <label className="checkbox strong">
        <input type="checkbox" checked={all} onChange={(e) => set('*', e.target.checked)} />
        {t('roles.everything')} <code>*</code>
      </label>
      <div className="permission-domains">
        {groupByDomain(catalogue).map(([domain, permissions]) => {
          const wildcard = `${domain}:*`;
          const domainAll = all || value.includes(wildcard);
          return (
            <fieldset key={domain} className="permission-domain">
              <legend>{t(`permissions.domains.${domain}`, { defaultValue: domain })}</legend>
              <label className="checkbox strong">
                <input
                  type="checkbox"
                  checked={domainAll}
                  disabled={all}
                  onChange={(e) => set(wildcard, e.target.checked)}
                />
                <span>
                  {t('roles.allOfDomain')} <code>{wildcard}</code>
                </span>
              </label>
              {permissions.map((p) => (
                <label key={p} className="checkbox">
                  <input
                    type="checkbox"
                    checked={domainAll || value.includes(p)}
                    disabled={domainAll}
                    onChange={(e) => set(p, e.target.checked)}
                  />
                  <span>
                    {t(`permissions.names.${p}`, { defaultValue: p, nsSeparator: false })} <code>{p}</code>
                  </span>
                </label>
              ))}
            </fieldset>
          );
        })}
      </div>
    </fieldset>
  );
}
