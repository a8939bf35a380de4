import { LABEL_PROVIDER_SECRET } from '@llamenos/crypto';
import {
  type ChannelFieldValue,
  type ChannelSummary,
  CHANNEL_CONFIG as SHARED_CHANNEL_CONFIG,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { auditActionInTx } from '../audit/service.js';
import type { Queryable } from '../db/database.js';
import type { AuditActor } from '../domain/actor.js';
import { DomainError, notFound, parseOrRefuse } from '../domain/errors.js';
import type { ServerContext } from '../http/context.js';
import { openAtRest, sealAtRest } from '../secrets/at-rest.js';
import { SETTINGS_FRESH_MS, settingsGeneration } from '../settings/cache.js';
import { notifySettingsChanged } from '../settings/hooks.js';
import { openedSummary, summaryPerId } from '../settings/summary-per-id.js';
import { CHANNEL_IDS, type ChannelId } from './channel.js';
import { addressesOf, CHANNEL_CONFIG, type ChannelConfig, PUBLIC_CHANNEL_FIELDS } from './config.js';
import {
  type ChannelConfigRow,
  deleteChannelConfigRow,
  listChannelConfigRows,
  readChannelConfigRow,
  setChannelDisabledRow,
  writeChannelConfigRow,
} from './config-store.js';

/**
 * Channel configurations, sealed at rest like telephony credentials: the same key (derived from
 * SERVER_SECRET) and label, with the record id "messaging/<channel>", which no telephony provider
 * row can have, so a blob moved between the two tables or between channels does not open.
 */
const recordIdOf = (channel: ChannelId) => `messaging/${channel}`;

/** Stored configuration that cannot be opened (another SERVER_SECRET, an altered row). */
export class UnreadableChannelConfigError extends DomainError {
  constructor(readonly channel: ChannelId) {
    super(
      'internal',
      `the stored ${channel} configuration cannot be read: this server's SERVER_SECRET is not the one that saved it, or the row was altered. Restore that SERVER_SECRET, or enter the ${channel} configuration again.`,
    );
  }
}

function openRow<C extends ChannelId>(
  ctx: ServerContext,
  channel: C,
  row: ChannelConfigRow,
): ChannelConfig[C] {
  try {
    const json = openAtRest(ctx.keys.settingsKey, LABEL_PROVIDER_SECRET, recordIdOf(channel), row.sealed);
    const parsed = CHANNEL_CONFIG[channel].safeParse(JSON.parse(json));
    if (parsed.success) return parsed.data as ChannelConfig[C];
  } catch {
    // Falls through to the one error below.
  }
  throw new UnreadableChannelConfigError(channel);
}

/** A channel's configuration for the server code that talks to it; null when not connected or disabled. */
export async function loadChannelConfig<C extends ChannelId>(
  ctx: ServerContext,
  channel: C,
): Promise<ChannelConfig[C] | null> {
  return (await loadChannelRecord(ctx, channel))?.config ?? null;
}

/**
 * A channel's configuration with the addresses it receives on, from one read of its row (a
 * webhook needs both for every delivery); null when not connected, and when an admin disabled
 * it: a disabled channel is, to everything that receives or sends, a channel not configured
 * (its webhooks answer 404, the Signal receiver does not connect, no reply goes out).
 */
export async function loadChannelRecord<C extends ChannelId>(
  ctx: ServerContext,
  channel: C,
): Promise<{ config: ChannelConfig[C]; addresses: readonly string[] } | null> {
  const kept = ctx.messaging.channelRecords;
  const generation = settingsGeneration(ctx);
  const found = kept.get(channel);
  if (found && found.generation === generation && performance.now() - found.readAt < SETTINGS_FRESH_MS)
    return found.value as Promise<{ config: ChannelConfig[C]; addresses: readonly string[] } | null>;
  const entry: KeptChannelRecord = {
    value: readChannelRecord(ctx, channel),
    readAt: performance.now(),
    generation,
  };
  kept.set(channel, entry);
  // An unreadable row is not kept: the next delivery tries again (and logs again).
  entry.value.catch(() => {
    if (kept.get(channel) === entry) kept.delete(channel);
  });
  return entry.value as Promise<{ config: ChannelConfig[C]; addresses: readonly string[] } | null>;
}

/**
 * A channel's opened record as this process keeps it (`ctx.messaging.channelRecords`): every
 * webhook needs it before anything else, and reading and opening the row was a statement and an
 * AEAD per delivery. Kept fresh as the settings are (settings/cache.ts): a change saved on this
 * process (saveChannelConfig, setChannelDisabled, deleteChannelConfig all call
 * notifySettingsChanged, which moves the settings generation) is seen by the next delivery; one
 * saved on another process within SETTINGS_FRESH_MS (a second). So a channel disabled, deleted
 * or given a new auth token on one process may still take a delivery signed the old way on
 * another for up to a second (docs/MESSAGING.md).
 */
export interface KeptChannelRecord {
  value: Promise<{ config: ChannelConfig[ChannelId]; addresses: readonly string[] } | null>;
  readAt: number;
  generation: number;
}

async function readChannelRecord<C extends ChannelId>(
  ctx: ServerContext,
  channel: C,
): Promise<{ config: ChannelConfig[C]; addresses: readonly string[] } | null> {
  const row = await readChannelConfigRow(ctx.db, channel);
  if (!row || row.disabled) return null;
  return { config: openRow(ctx, channel, row), addresses: row.addresses };
}

/** Whether an admin took `channel` out of service (its configuration kept); false when nothing is stored. */
export async function isChannelDisabled(ctx: ServerContext, channel: string): Promise<boolean> {
  return (await readChannelConfigRow(ctx.db, channel))?.disabled === true;
}

/** One channel as `GET /api/settings/channels` shows it: secrets only as "set" (the protocol's answer type). */
export type { ChannelSummary } from '@llamenos/protocol';

/** Every field but the numbers: public ones as stored, secret ones only as set. */
function shownFields(channel: ChannelId, config: Record<string, unknown>): Record<string, ChannelFieldValue> {
  const fields: Record<string, ChannelFieldValue> = {};
  for (const [field, value] of Object.entries(config)) {
    if (field === 'phoneNumbers') continue;
    // Public fields are strings, booleans, null or a template, as the shared schema allows.
    fields[field] = PUBLIC_CHANNEL_FIELDS[channel].includes(field)
      ? (value as ChannelFieldValue)
      : { set: true };
  }
  return fields;
}

function summarize(
  ctx: ServerContext,
  channel: ChannelId,
  row: ChannelConfigRow | undefined,
): ChannelSummary {
  if (!row)
    return { configured: false, disabled: false, readable: true, addresses: [], updatedAt: null, fields: {} };
  const base = {
    configured: true,
    disabled: row.disabled,
    addresses: row.addresses,
    updatedAt: row.updatedAt.toISOString(),
  };
  return openedSummary(
    base,
    () => openRow(ctx, channel, row) as Record<string, unknown>,
    (config) => shownFields(channel, config),
  );
}

export async function listChannelConfigs(ctx: ServerContext): Promise<Record<ChannelId, ChannelSummary>> {
  const rows = await listChannelConfigRows(ctx.db);
  return summaryPerId(CHANNEL_IDS, rows, 'channel', (c, row) => summarize(ctx, c, row));
}

/**
 * An optional field that cannot be null (say Vonage's apiKey) is removed by sending it as null:
 * left out, it would keep its stored value, so an admin could never clear it.
 */
function withoutRemovedOptionals(
  channel: ChannelId,
  input: Record<string, unknown>,
  merged: Record<string, unknown>,
): Record<string, unknown> {
  const schema = SHARED_CHANNEL_CONFIG[channel] as z.ZodType;
  const shape = ('shape' in schema ? schema.shape : {}) as Record<string, z.ZodType>;
  const out = { ...merged };
  for (const [name, value] of Object.entries(input)) {
    const field = shape[name];
    if (value === null && field && !field.safeParse(null).success && field.safeParse(undefined).success)
      delete out[name];
  }
  return out;
}

/**
 * One admin change to a stored channel: `work` and its audit entry (naming the channel only) in
 * one transaction, then every process told (notifySettingsChanged).
 */
async function changeChannel<T>(
  ctx: ServerContext,
  actor: AuditActor,
  channel: ChannelId,
  action: 'updated' | 'deleted',
  work: (tx: Queryable, now: Date) => Promise<{ result: T; details: Record<string, boolean> }>,
): Promise<T> {
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const { result, details } = await work(tx, now);
    await auditActionInTx(tx, actor, now, {
      action: `settings.channel-${action}`,
      target: `channel:${channel}`,
      details: { channel, ...details },
    });
    return result;
  });
  notifySettingsChanged(ctx, { kind: 'channel', channel, action });
  return result;
}

/**
 * Validates, seals and stores one channel's configuration (secret fields left out keep their
 * stored value: the admin form never receives them back), with an audit entry naming the
 * channel only. (A simulated channel saved in production is inert: its adapter is refused at use.)
 */
export async function saveChannelConfig(
  ctx: ServerContext,
  actor: AuditActor,
  channel: ChannelId,
  input: Record<string, unknown>,
): Promise<ChannelSummary> {
  const row = await changeChannel(ctx, actor, channel, 'updated', async (tx, now) => {
    const stored = await readChannelConfigRow(tx, channel);
    let merged: Record<string, unknown> = input;
    if (stored) {
      try {
        merged = { ...(openRow(ctx, channel, stored) as object), ...input };
      } catch {
        merged = input;
      }
    }
    merged = withoutRemovedOptionals(channel, input, merged);
    const config = parseOrRefuse(CHANNEL_CONFIG[channel], merged, `${channel} configuration`);
    const next: ChannelConfigRow = {
      channel,
      disabled: stored?.disabled ?? false,
      sealed: sealAtRest(
        ctx.keys.settingsKey,
        LABEL_PROVIDER_SECRET,
        recordIdOf(channel),
        JSON.stringify(config),
      ),
      addresses: addressesOf(channel, config as never),
      updatedAt: now,
      updatedBy: actor.pubkey,
    };
    await writeChannelConfigRow(tx, next);
    return { result: next, details: { created: stored === null } };
  });
  return summarize(ctx, channel, row);
}

/**
 * Takes a stored channel out of service, or puts it back, keeping its configuration: while
 * disabled its webhooks answer as if nothing were stored (404) and replies through it are
 * refused. Audited as a channel update with the new state.
 */
export async function setChannelDisabled(
  ctx: ServerContext,
  actor: AuditActor,
  channel: ChannelId,
  disabled: boolean,
): Promise<ChannelSummary> {
  const row = await changeChannel(ctx, actor, channel, 'updated', async (tx, now) => {
    const changed = await setChannelDisabledRow(tx, channel, disabled, now, actor.pubkey);
    if (!changed) throw notFound(`${channel} is not configured`);
    return { result: changed, details: { disabled } };
  });
  return summarize(ctx, channel, row);
}

export async function deleteChannelConfig(
  ctx: ServerContext,
  actor: AuditActor,
  channel: ChannelId,
): Promise<void> {
  await changeChannel(ctx, actor, channel, 'deleted', async (tx) => {
    if (!(await deleteChannelConfigRow(tx, channel))) throw notFound(`${channel} is not configured`);
    return { result: undefined, details: {} };
  });
}
