import {
  type FieldVisibility,
  type MaskedSecret,
  OPTIONAL_PROVIDER_FIELDS,
  PROVIDER_FIELDS,
  type ProviderSummary,
  TELEPHONY_PROVIDERS,
  type TelephonyProvider,
} from '@llamenos/protocol';
import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  type CredentialBinding,
  CredentialInput,
  type CredentialsCardControls,
  CredentialsSection,
} from '../../components/CredentialsSection.js';
import {
  CredentialsActions,
  CredentialsCard,
  type CredentialsRow,
  CredentialsSummary,
} from '../../components/CredentialsSummary.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { removeProvider, saveProvider } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { parseNumbers } from './channelForm.js';

const PROVIDER_NAMES: Record<TelephonyProvider, string> = {
  twilio: 'Twilio',
  signalwire: 'SignalWire',
  vonage: 'Vonage',
  plivo: 'Plivo',
  asterisk: 'Asterisk',
  simulator: '',
};

const fieldsOf = (provider: TelephonyProvider) =>
  Object.entries(PROVIDER_FIELDS[provider] as Record<string, FieldVisibility>);

/** Telephony credentials: read back with secrets masked; secrets are write-only. */
export function ProvidersSection({ writable }: { writable: boolean }) {
  const { t } = useTranslation();
  const name = providerName(t);
  return (
    <CredentialsSection
      panelId="providers-title"
      title={t('providers.title')}
      help={t('providers.help')}
      query={queries.providers()}
      entries={TELEPHONY_PROVIDERS}
      removal={{
        title: (provider) => t('providers.deleteTitle', { name: name(provider) }),
        message: t('providers.deleteExplain'),
        confirmLabel: t('common.delete'),
        remove: removeProvider,
      }}
      card={(provider, summary, controls) => (
        <ProviderCard
          key={provider}
          provider={provider}
          summary={summary}
          writable={writable}
          {...controls}
        />
      )}
    />
  );
}

/** A provider's product name (the simulator's is translated). */
const providerName = (t: TFunction) => (p: TelephonyProvider) =>
  PROVIDER_NAMES[p] || t('providers.simulator');

/** One provider: whether it is set up, its stored fields (secrets masked), and Edit / Delete, or its form. */
function ProviderCard({
  provider,
  summary,
  writable,
  editing,
  onEdit,
  onRemove,
  onSaved,
}: {
  provider: TelephonyProvider;
  summary: ProviderSummary;
  writable: boolean;
} & CredentialsCardControls<ProviderSummary>) {
  const { t } = useTranslation();
  const name = providerName(t);

  return (
    <CredentialsCard
      headingId={`prov-${provider}`}
      product={name(provider)}
      state={summary.configured ? t('providers.configured') : t('providers.notConfigured')}
      inService={summary.configured}
      unreadable={summary.readable ? null : t('providers.unreadable')}
      editing={editing}
      form={
        <ProviderForm
          provider={provider}
          summary={summary}
          onSaved={onSaved}
          onCancel={() => onEdit(false)}
        />
      }
      stored={summary.configured && <ProviderSummaryList provider={provider} summary={summary} />}
      actions={
        writable && (
          <CredentialsActions
            name={name(provider)}
            configured={summary.configured}
            setUp={t('providers.setUp')}
            remove={t('common.delete')}
            onEdit={onEdit}
            onRemove={onRemove}
          />
        )
      }
    />
  );
}

function ProviderSummaryList({
  provider,
  summary,
}: {
  provider: TelephonyProvider;
  summary: ProviderSummary;
}) {
  const { t } = useTranslation();
  const masked = (v: MaskedSecret) =>
    v.last4 ? t('providers.maskedEnds', { last4: v.last4 }) : t('providers.masked');
  const rows: CredentialsRow[] = [];
  for (const [field] of fieldsOf(provider)) {
    const value = summary.fields[field];
    if (value === undefined) continue;
    rows.push({
      field,
      term: t(`providers.fields.${field}`),
      detail: typeof value === 'string' ? value : masked(value),
    });
  }
  return (
    <CredentialsSummary
      rows={rows}
      numbers={{ term: t('providers.fields.phoneNumbers'), list: summary.phoneNumbers }}
      updatedAt={summary.updatedAt}
    />
  );
}

/**
 * The server never sends secrets back, and its PUT keeps a stored secret when that field is
 * left out: so an empty secret field means "keep", and is required only when nothing is stored.
 */
function ProviderForm({
  provider,
  summary,
  onSaved,
  onCancel,
}: {
  provider: TelephonyProvider;
  summary: ProviderSummary;
  onSaved: (summary: ProviderSummary) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const keepSecrets = summary.configured && summary.readable;
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      fieldsOf(provider).map(([field, visibility]) => {
        const stored = summary.fields[field];
        return [field, visibility === 'public' && typeof stored === 'string' ? stored : ''];
      }),
    ),
  );
  const [numbers, setNumbers] = useState(summary.phoneNumbers.join('\n'));
  const save = useSubmit(async () => {
    const body: Record<string, unknown> = { phoneNumbers: parseNumbers(numbers) };
    for (const [field, visibility] of fieldsOf(provider)) {
      const value = field === 'privateKey' ? (values[field] ?? '') : (values[field] ?? '').trim();
      if (visibility !== 'public' && value === '' && keepSecrets) continue;
      body[field] = value;
    }
    onSaved(await saveProvider(provider, body));
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };

  return (
    <form onSubmit={submit}>
      {fieldsOf(provider).map(([field, visibility]) => (
        <CredentialField
          key={field}
          id={`prov-${provider}-${field}`}
          field={field}
          secret={visibility !== 'public'}
          keepSecrets={keepSecrets}
          binding={{
            value: values[field] ?? '',
            onChange: (e) => setValues({ ...values, [field]: e.target.value }),
          }}
        />
      ))}
      <CredentialInput
        id={`prov-${provider}-numbers`}
        caption={t('providers.fields.phoneNumbers')}
        rows={3}
        secret={false}
        hint={t('providers.numbersHint')}
        binding={{ value: numbers, onChange: (e) => setNumbers(e.target.value) }}
      />
      <FormActions submit={save} onCancel={onCancel} />
    </form>
  );
}

/** One credential: a secret is masked, and left empty it keeps the stored one (the hint says which). */
function CredentialField({
  id,
  field,
  secret,
  keepSecrets,
  binding,
}: {
  id: string;
  field: string;
  secret: boolean;
  keepSecrets: boolean;
  /** The form's value and change handler. */
  binding: CredentialBinding;
}) {
  const { t } = useTranslation();
  const optional = OPTIONAL_PROVIDER_FIELDS.has(field);
  const hint = !secret
    ? ''
    : keepSecrets
      ? t('providers.secretKeep')
      : optional
        ? t('channels.optional')
        : t('providers.secretRequired');
  return (
    <CredentialInput
      id={id}
      caption={t(`providers.fields.${field}`)}
      rows={field === 'privateKey' ? 4 : undefined}
      secret={secret}
      hint={hint}
      binding={{
        ...binding,
        // Browser calling fields may stay empty (OPTIONAL_PROVIDER_FIELDS).
        required: !optional && (!secret || !keepSecrets),
      }}
    />
  );
}
