import { TELEPHONY_PROVIDERS, type TelephonyProvider } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RowAction } from '../../components/DataTable.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { NavLink } from '../../components/NavLink.js';
import { Panel } from '../../components/Panel.js';
import { useSubmit } from '../../components/useSubmit.js';
import { type ConnectionTestResult, testProviderConnection } from '../../lib/calls/api.js';
import { queries } from '../../lib/queries/index.js';

const PROVIDER_NAMES: Partial<Record<TelephonyProvider, string>> = {
  twilio: 'Twilio',
  signalwire: 'SignalWire',
  vonage: 'Vonage',
  plivo: 'Plivo',
  asterisk: 'Asterisk',
};

function TestButton({ provider, name }: { provider: TelephonyProvider; name: string }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const test = useSubmit(async () => {
    setResult(null);
    setResult(await testProviderConnection(provider));
  });
  return (
    <li>
      <span className="provider-name">{name}</span>{' '}
      <RowAction
        action={test.busy ? t('calls.testing') : t('calls.testConnection')}
        item={name}
        disabled={test.busy}
        onClick={() => void test.run()}
      />
      <span role="status" className={result?.ok ? 'success' : 'error'}>
        {result ? (result.ok ? t('calls.testOk') : t('calls.testFailed', { reason: result.reason })) : ''}
      </span>
      <ErrorMessage error={test.error} />
    </li>
  );
}

/** "Test connection" for every configured telephony provider (credentials are edited in Settings). */
export function ProviderTests({ writable }: { writable: boolean }) {
  const { t } = useTranslation();
  const providers = useQuery(queries.providers());
  const configured = TELEPHONY_PROVIDERS.filter((p) => providers.data?.[p]?.configured);
  return (
    <Panel id="provider-tests-title" title={t('calls.providersTitle')}>
      <p className="hint">
        {t('calls.providersHelp')} <NavLink href="/admin/settings">{t('calls.providerSettings')}</NavLink>
      </p>
      <ErrorMessage error={providers.error} />
      {providers.data && configured.length === 0 && <p>{t('calls.noProviders')}</p>}
      {writable && configured.length > 0 && (
        <ul className="provider-tests">
          {configured.map((p) => (
            <TestButton key={p} provider={p} name={PROVIDER_NAMES[p] ?? t('providers.simulator')} />
          ))}
        </ul>
      )}
    </Panel>
  );
}
