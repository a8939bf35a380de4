import { zodResolver } from '@hookform/resolvers/zod';
import { type ChannelSummary, MESSAGING_CHANNELS, type MessagingChannelId } from '@llamenos/protocol';
import { useQuery } from '@tanstack/react-query';
import { type UseFormReturn, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { CopyField } from '../../components/CopyField.js';
import {
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
import { ErrorMessage } from '../../components/ErrorMessage.js';
import { FormActions } from '../../components/SubmitButton.js';
import { useSubmit } from '../../components/useSubmit.js';
import { removeChannel, saveChannel, setChannelDisabled } from '../../lib/api/index.js';
import { queries } from '../../lib/queries/index.js';
import { ChannelServiceSwitch } from './ChannelServiceSwitch.js';
import {
  CHANNEL_INPUTS,
  type ChannelFormValues,
  type ChannelInput,
  channelFormSchema,
  initialValues,
  webhookUrls,
} from './channelForm.js';

/** Product names: not translated. */
const CHANNEL_NAMES: Record<MessagingChannelId, string> = {
  'twilio-sms': 'Twilio SMS',
  'twilio-whatsapp': 'Twilio WhatsApp',
  'signalwire-sms': 'SignalWire SMS',
  'plivo-sms': 'Plivo SMS',
  vonage: 'Vonage',
  whatsapp: 'WhatsApp Cloud API (Meta)',
  signal: 'Signal',
};

/**
 * Messaging channels (SMS, WhatsApp, Signal): each connected by its account and credentials,
 * read back with secrets masked, and the URLs to paste at the provider. Removing a channel
 * disconnects it: its webhooks answer 404 until it is set up again.
 */
export function ChannelsSection({ writable }: { writable: boolean }) {
  const { t } = useTranslation();
  const config = useQuery(queries.publicConfig());
  return (
    <CredentialsSection
      panelId="channels-title"
      title={t('channels.title')}
      help={t('channels.help')}
      query={queries.channels()}
      error={config.error}
      entries={MESSAGING_CHANNELS}
      removal={{
        title: (channel) => t('channels.removeTitle', { name: CHANNEL_NAMES[channel] }),
        message: t('channels.removeExplain'),
        confirmLabel: t('channels.remove'),
        remove: removeChannel,
      }}
      card={(channel, summary, controls) => (
        <ChannelCard
          key={channel}
          channel={channel}
          summary={summary}
          publicUrl={config.data?.publicUrl ?? null}
          writable={writable}
          {...controls}
        />
      )}
    />
  );
}

function ChannelCard({
  channel,
  summary,
  publicUrl,
  writable,
  editing,
  onEdit,
  onRemove,
  replace,
  onSaved,
}: {
  channel: MessagingChannelId;
  summary: ChannelSummary;
  publicUrl: string | null;
  writable: boolean;
} & CredentialsCardControls<ChannelSummary>) {
  const { t } = useTranslation();
  const name = CHANNEL_NAMES[channel];
  // The development carrier's configuration has no account to edit: it is only removed.
  const simulated = summary.fields.simulated === true;
  const service = useSubmit(async (disabled: boolean) => {
    replace(await setChannelDisabled(channel, disabled));
  });

  return (
    <CredentialsCard
      headingId={`chan-${channel}`}
      product={name}
      state={
        summary.configured
          ? summary.disabled
            ? t('channels.disabled')
            : t('channels.connected')
          : t('channels.notConnected')
      }
      inService={summary.configured && !summary.disabled}
      unreadable={summary.readable ? null : t('channels.unreadable')}
      editing={editing}
      form={
        <ChannelForm channel={channel} summary={summary} onSaved={onSaved} onCancel={() => onEdit(false)} />
      }
      stored={summary.configured && <ChannelSummaryList channel={channel} summary={summary} />}
      actions={
        writable && (
          <CredentialsActions
            name={name}
            configured={summary.configured}
            setUp={t('channels.setUp')}
            remove={t('channels.remove')}
            editable={!simulated}
            onEdit={onEdit}
            onRemove={onRemove}
          />
        )
      }
    >
      {simulated && <p className="hint">{t('channels.simulated')}</p>}
      {summary.configured && (
        <>
          <ChannelServiceSwitch
            channel={channel}
            name={name}
            disabled={summary.disabled}
            busy={service.busy}
            writable={writable}
            onChange={(disabled) => void service.run(disabled)}
          />
          <ErrorMessage error={service.error} />
        </>
      )}
      {publicUrl && <WebhookAddresses channel={channel} publicUrl={publicUrl} />}
    </CredentialsCard>
  );
}

/** What the operator pastes into the provider's console, each with a Copy button. */
function WebhookAddresses({ channel, publicUrl }: { channel: MessagingChannelId; publicUrl: string }) {
  const { t } = useTranslation();
  const urls = webhookUrls(channel, publicUrl);
  if (!urls) return <p className="hint">{t('channels.signalNoWebhook')}</p>;
  return (
    <>
      <CopyField label={t('channels.inboundUrl', { name: CHANNEL_NAMES[channel] })} value={urls.inbound} />
      {urls.status ? (
        <CopyField label={t('channels.statusUrl', { name: CHANNEL_NAMES[channel] })} value={urls.status} />
      ) : (
        <p className="hint">{t('channels.metaHandshake')}</p>
      )}
    </>
  );
}

/** A stored field's value as shown: secrets only as "stored". */
function shown(value: ChannelSummary['fields'][string], t: (key: string) => string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? t('channels.yes') : null;
  if ('set' in value) return t('providers.masked');
  return `${value.name} (${value.language})`;
}

function ChannelSummaryList({ channel, summary }: { channel: MessagingChannelId; summary: ChannelSummary }) {
  const { t } = useTranslation();
  const rows: CredentialsRow[] = [];
  for (const [field, value] of Object.entries(summary.fields)) {
    const detail = shown(value, t);
    if (detail !== null) rows.push({ field, term: t(`channels.fields.${field}`), detail });
  }
  // Signal and WhatsApp Cloud answer on an account, not on a list of numbers.
  const numbered = channel !== 'signal' && channel !== 'whatsapp';
  return (
    <CredentialsSummary
      rows={rows}
      numbers={numbered ? { term: t('channels.fields.phoneNumbers'), list: summary.addresses } : undefined}
      updatedAt={summary.updatedAt}
    />
  );
}

/**
 * The server never sends secrets back, and its PUT keeps a stored secret when that field is
 * left out: an empty secret field means "keep", and is required only when nothing is stored.
 */
function ChannelForm({
  channel,
  summary,
  onSaved,
  onCancel,
}: {
  channel: MessagingChannelId;
  summary: ChannelSummary;
  onSaved: (summary: ChannelSummary) => void;
  onCancel: () => void;
}) {
  const keepSecrets = summary.configured && summary.readable;
  const form = useForm<ChannelFormValues, unknown, Record<string, unknown>>({
    resolver: zodResolver(channelFormSchema(channel, keepSecrets)),
    defaultValues: initialValues(channel, summary),
  });
  const save = useSubmit(async (body: Record<string, unknown>) => {
    onSaved(await saveChannel(channel, body));
  });

  // Every field of the form is told the same three things.
  const fieldProps = { channel, keepSecrets, form };

  return (
    <form onSubmit={form.handleSubmit(save.run)} noValidate>
      {CHANNEL_INPUTS[channel].map((input) => (
        <ChannelField key={input.name} input={input} {...fieldProps} />
      ))}
      <FormActions submit={save} onCancel={onCancel} />
    </form>
  );
}

/** A fresh random verify token for Meta's webhook form: 32 hex digits. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One input: a secret is masked, and left empty it keeps the stored one (the hint says which). */
function ChannelField({
  channel,
  input,
  keepSecrets,
  form,
}: {
  channel: MessagingChannelId;
  input: ChannelInput;
  keepSecrets: boolean;
  form: UseFormReturn<ChannelFormValues, unknown, Record<string, unknown>>;
}) {
  const { t } = useTranslation();
  const { name, kind } = input;
  const id = `chan-${channel}-${name}`;
  const error = form.formState.errors[name]?.message;
  const secret = kind === 'secret' || kind === 'pem';
  const hint =
    kind === 'numbers'
      ? t('providers.numbersHint')
      : secret
        ? keepSecrets
          ? t('providers.secretKeep')
          : t('providers.secretRequired')
        : kind === 'optional'
          ? t('channels.optional')
          : '';
  // The verify token is the admin's own choice, typed into Meta's form too: shown once generated.
  const generated = name === 'verifyToken' ? form.watch('verifyToken') : '';
  return (
    <CredentialInput
      id={id}
      caption={t(`channels.fields.${name}`)}
      rows={kind === 'pem' ? 4 : kind === 'numbers' ? 3 : undefined}
      secret={secret}
      hint={hint}
      error={error}
      binding={form.register(name)}
    >
      {name === 'verifyToken' && (
        <>
          <button
            type="button"
            className="secondary"
            onClick={() => form.setValue('verifyToken', randomToken(), { shouldDirty: true })}
          >
            {t('channels.generateToken')}
          </button>
          {generated && <CopyField label={t('channels.verifyTokenCopy')} value={generated} />}
        </>
      )}
    </CredentialInput>
  );
}
