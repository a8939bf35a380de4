import {
  type FieldVisibility,
  type MaskedSecret,
  OPTIONAL_PROVIDER_FIELDS,
  PROVIDER_FIELDS,
  type ProviderSummary,
  TELEPHONY_PROVIDERS,
  type TelephonyProvider,
} from '@llamenos/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useConfirmRemoval } from '../../components/ConfirmDialog.js';
import {
  CredentialsActions,
  CredentialsCard,
  type CredentialsRow,
  CredentialsSummary,
} from '../../components/CredentialsSummary.js';
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { Panel } from '../../components/Panel.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { removeProvider, saveProvider } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';

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
  const providers = useQuery(queries.providers());
  // One provider's form is open at a time.
  const [editing, setEditing] = useState<TelephonyProvider | null>(null);
  const name = providerName(t);
  const deletion = useConfirmRemoval({
    title: (provider: TelephonyProvider) => t('providers.deleteTitle', { name: name(provider) }),
    message: t('providers.deleteExplain'),
    confirmLabel: t('common.delete'),
    remove: async (provider: TelephonyProvider) => {
      await removeProvider(provider);
      void providers.refetch();
    },
  });

  return (
    <Panel id="providers-title" title={t('providers.title')}>
      <p className="hint">{t('providers.help')}</p>
      <ErrorMessage error={providers.error} />
      {providers.data &&
        TELEPHONY_PROVIDERS.map((provider) => {
          const summary = providers.data?.[provider];
          if (!summary) return null;
          return (
            <ProviderCard
              key={provider}
              provider={provider}
              summary={summary}
              writable={writable}
              editing={editing === provider}
              onEdit={(open) => setEditing(open ? provider : null)}
              onDelete={() => deletion.ask(provider)}
            />
          );
        })}
      {deletion.dialog}
    </Panel>
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
  onDelete,
}: {
  provider: TelephonyProvider;
  summary: ProviderSummary;
  writable: boolean;
  editing: boolean;
  onEdit: (open: boolean) => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const name = providerName(t);
  const saved = (s: ProviderSummary) => {
    client.setQueryData(queries.providers().queryKey, (all) => all && { ...all, [provider]: s });
    onEdit(false);
  };

  return (
    <CredentialsCard
      headingId={`prov-${provider}`}
      product={name(provider)}
      state={summary.configured ? t('providers.configured') : t('providers.notConfigured')}
      inService={summary.configured}
      unreadable={summary.readable ? null : t('providers.unreadable')}
      editing={editing}
      form={
        <ProviderForm provider={provider} summary={summary} onSaved={saved} onCancel={() => onEdit(false)} />
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
            onRemove={onDelete}
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
    const body: Record<string, unknown> = {
      phoneNumbers: numbers
        .split(/[\n,]/)
        .map((n) => n.replace(/[\s().-]/g, ''))
        .filter(Boolean),
    };
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
          value={values[field] ?? ''}
          onChange={(value) => setValues({ ...values, [field]: value })}
        />
      ))}
      <label htmlFor={`prov-${provider}-numbers`}>{t('providers.fields.phoneNumbers')}</label>
      <textarea
        id={`prov-${provider}-numbers`}
        className="ltr"
        rows={3}
        aria-describedby={`prov-${provider}-numbers-hint`}
        value={numbers}
        onChange={(e) => setNumbers(e.target.value)}
      />
      <p id={`prov-${provider}-numbers-hint`} className="hint">
        {t('providers.numbersHint')}
      </p>
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
  value,
  onChange,
}: {
  id: string;
  field: string;
  secret: boolean;
  keepSecrets: boolean;
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const props = {
    id,
    value,
    // Browser calling fields may stay empty (OPTIONAL_PROVIDER_FIELDS).
    required: !OPTIONAL_PROVIDER_FIELDS.has(field) && (!secret || !keepSecrets),
    autoComplete: 'off',
    spellCheck: false,
    className: 'ltr',
    'aria-describedby': secret ? `${id}-hint` : undefined,
  };
  return (
    <div>
      <label htmlFor={id}>{t(`providers.fields.${field}`)}</label>
      {field === 'privateKey' ? (
        <textarea {...props} rows={4} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...props} type={secret ? 'password' : 'text'} onChange={(e) => onChange(e.target.value)} />
      )}
      {secret && (
        <p id={`${id}-hint`} className="hint">
          {keepSecrets
            ? t('providers.secretKeep')
            : OPTIONAL_PROVIDER_FIELDS.has(field)
              ? t('channels.optional')
              : t('providers.secretRequired')}
        </p>
      )}
    </div>
  );
}
