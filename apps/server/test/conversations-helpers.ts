import { randomUUID } from 'node:crypto';
import {
  fromUtf8,
  openAsReader,
  PURPOSES,
  type SealedEnvelope,
  sealForReaders,
  utf8,
} from '@llamenos/crypto';
import { DEFAULT_SETTINGS, type HotlineSettings, messageRecordId } from '@llamenos/protocol';
import type { ServerContext } from '../src/http/context.js';
import {
  type ChannelId,
  ChannelSendError,
  type InboundMedia,
  type InboundMessage,
  type MessagingChannel,
  type OutboundMessage,
} from '../src/messaging/channel.js';
import { forgetSettings } from '../src/settings/cache.js';
import { loadSettingsRow, saveSettings } from '../src/settings/store.js';
import type { TestHotline, TestUser } from './helpers.js';

/**
 * A channel that stands in for a provider: it records what the hotline sends, serves media from
 * memory (or fails, or hangs), and records deletes. Tests hand its messages straight to
 * `ctx.conversations.receive`, as a verified webhook would.
 */
export interface FakeChannel extends MessagingChannel {
  sent: OutboundMessage[];
  deleted: string[];
  /** Media bytes by ref; 'fail' throws on fetch. */
  media: Map<string, Uint8Array | 'fail'>;
  /** The next sends throw these, in order. */
  sendFailures: ChannelSendError[];
}

export function fakeChannel(
  id: ChannelId = 'twilio-sms',
  kind: MessagingChannel['kind'] = 'sms',
): FakeChannel {
  const channel: FakeChannel = {
    id,
    kind,
    sent: [],
    deleted: [],
    media: new Map(),
    sendFailures: [],
    verify: () => true,
    parse: () => ({ kind: 'ignored' }),
    answer: () => ({ status: 200, contentType: 'text/plain', body: '' }),
    async send(message) {
      const failure = channel.sendFailures.shift();
      if (failure) throw failure;
      channel.sent.push(message);
      return { providerMessageId: `SM${randomUUID().replace(/-/g, '')}` };
    },
    async fetchMedia(media: InboundMedia) {
      const bytes = channel.media.get(media.ref);
      if (!bytes || bytes === 'fail') throw new Error('provider media fetch failed');
      return (async function* () {
        for (let i = 0; i < bytes.length; i += 1000) yield bytes.slice(i, i + 1000);
      })();
    },
    async deleteMedia(media: InboundMedia) {
      channel.deleted.push(media.ref);
    },
  };
  return channel;
}

export const HOTLINE_NUMBER = '+15550001111';

export function inbound(from: string, body: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return {
    providerMessageId: `SM${randomUUID().replace(/-/g, '')}`,
    from,
    to: HOTLINE_NUMBER,
    body,
    media: [],
    ...extra,
  };
}

let numberCounter = 1000;
/** A contact's number no other test uses. */
export const contactNumber = () => `+1555${String(Date.now() % 1000).padStart(3, '0')}${numberCounter++}`;

/** Puts users on one all-day shift (UTC) covering today. */
export async function putOnShift(h: TestHotline, userIds: string[]): Promise<void> {
  const shiftId = randomUUID();
  const weekday = (h.ctx.now().getUTCDay() + 6) % 7;
  await h.ctx.db.query(
    `insert into shifts (id, name, weekday, start_time, duration_minutes, active, created_at, updated_at)
     values ($1, 'All day', $2, '00:00', 1440, true, now(), now())`,
    [shiftId, weekday],
  );
  for (const userId of userIds)
    await h.ctx.db.query('insert into shift_assignments (shift_id, user_id) values ($1, $2)', [
      shiftId,
      userId,
    ]);
}

export async function clearShifts(h: TestHotline): Promise<void> {
  await h.ctx.db.query('delete from shifts');
}

export async function setSettings(h: TestHotline, change: (s: HotlineSettings) => HotlineSettings) {
  const { value, version } = await loadSettingsRow(h.ctx.db);
  const next = change(structuredClone({ ...DEFAULT_SETTINGS, ...(value as object) }) as HotlineSettings);
  if ((await saveSettings(h.ctx.db, next, version, null, new Date())) === null)
    throw new Error('settings race');
  // Written behind the settings service: the kept copy (settings/cache.ts) is dropped by hand.
  forgetSettings(h.ctx);
}

/** What a browser does with a message envelope: open it with the member's key. */
export function openMessage(envelope: SealedEnvelope, messageId: string, user: TestUser): string {
  const plaintext = openAsReader(envelope, user.secretKey, {
    purpose: PURPOSES.message,
    recordId: messageRecordId(messageId),
  });
  return (JSON.parse(fromUtf8(plaintext)) as { body: string }).body;
}

/** What a browser does to reply: seal the text for the given readers. */
export function sealReply(id: string, body: string, readers: string[]): SealedEnvelope {
  return sealForReaders(utf8(JSON.stringify({ v: 1, body })), readers, {
    purpose: PURPOSES.message,
    recordId: messageRecordId(id),
  });
}

/** Waits for the work webhooks started in the background (media, automatic replies). */
export async function settle(h: { ctx: ServerContext }): Promise<void> {
  for (let i = 0; i < 5; i++) {
    while (h.ctx.backgroundWork.size) await Promise.allSettled([...h.ctx.backgroundWork]);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { ChannelSendError };
