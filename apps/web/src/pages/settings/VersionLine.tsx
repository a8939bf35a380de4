import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { fetchVersion } from '../../lib/api/settings.js';
import { queryKeys } from '../../lib/queries/keys.js';

/**
 * What this server runs and serves (GET /api/version): a volunteer can compare the version,
 * commit and web app checksum with a published release (docs/OPERATIONS.md).
 */
export function VersionLine() {
  const { t } = useTranslation();
  // The served files do not change while the server runs: read once.
  const info = useQuery({
    queryKey: queryKeys.version,
    queryFn: fetchVersion,
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (!info.data) return null;
  const { version, commit, webBundle } = info.data;
  return (
    <p className="hint" data-testid="server-version">
      {t('version.server')} <bdi dir="ltr">{version}</bdi> · {t('version.commit')}{' '}
      {commit ? <bdi dir="ltr">{commit.slice(0, 12)}</bdi> : t('version.noCommit')} · {t('version.webBundle')}{' '}
      <code dir="ltr" className="break">
        {webBundle.sha256}
      </code>
    </p>
  );
}
