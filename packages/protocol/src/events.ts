import { z } from 'zod';
import {
  ConversationAssignedEvent,
  ConversationRewrapNeededEvent,
  ConversationUpdatedEvent,
  MessageNewEvent,
} from './conversations.js';
import { ReportEvent } from './reports.js';
import { SettingsSection } from './settings.js';
import { TranscriptEvent } from './transcription.js';

/**
 * Real-time hub event payloads. Each is JSON-serialized, encrypted under the event key derived
 * from the hub key, and sent as the content of a kind-20001 Nostr event whose only tag is the
 * generic ["t", "llamenos:event"] (docs/PROTOCOL.md, Section 11). The `type` field therefore
 * exists only inside the ciphertext: the relay cannot tell a ringing call from a presence ping.
 * Payloads carry at most the last 4 digits of a phone number, never the number.
 */

const Pubkey = z.string().regex(/^[0-9a-f]{64}$/, 'an x-only public key, 64 lowercase hex characters');
const CallId = z.string().min(1).max(128);
const Instant = z.iso.datetime({ offset: true });

const CallRingEvent = z
  .object({
    type: z.literal('call:ring'),
    callId: CallId,
    callerLast4: z
      .string()
      .regex(/^[0-9]{4}$/)
      .optional(),
    startedAt: Instant,
  })
  .strict();

const CallAnsweredEvent = z
  .object({
    type: z.literal('call:answered'),
    callId: CallId,
    answeredBy: Pubkey,
    // The colleague's display name, for "Taken by <name>" on the cards of the others it rang
    // for: a member's name is no secret from other members (every member holds the hub key).
    answeredByName: z.string().min(1).max(200).optional(),
  })
  .strict();

const CallOutcome = z.enum(['completed', 'missed', 'voicemail', 'abandoned', 'failed']);
const CallEndedEvent = z
  .object({ type: z.literal('call:ended'), callId: CallId, outcome: CallOutcome })
  .strict();

/**
 * A warm transfer's ask changed for the colleague `to` (asked; or accepted, declined, cancelled,
 * handed over): their browser reads the invite through the API (`GET /api/calls/transfers/incoming`,
 * which answers only the member asked), at once instead of at its next poll. Ids only: every
 * member holds the hub key, so no name, offer or caller detail travels here.
 */
const CallTransferInviteEvent = z
  .object({ type: z.literal('call:transfer-invite'), callId: CallId, to: Pubkey })
  .strict();

const VoicemailNewEvent = z.object({ type: z.literal('voicemail:new'), callId: CallId }).strict();

export const PresenceStatus = z.enum(['online', 'available', 'on-call', 'on-break', 'offline']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;
const PresenceEvent = z
  .object({ type: z.literal('presence'), pubkey: Pubkey, status: PresenceStatus, at: Instant })
  .strict();

/**
 * The only payload a member's own key may sign (docs/PROTOCOL.md, Section 11): their own
 * presence, with `pubkey` the signer's. Every other payload is signed by the server key. Every
 * member holds the hub key and the relay cannot read the content, so clients enforce this after
 * decrypting.
 */
export const MemberSignedEvent = PresenceEvent;
/** Longest JSON text (UTF-8 bytes) of a member-signed payload: a presence announcement is about 160. */
export const MAX_MEMBER_EVENT_BYTES = 256;
/**
 * Longest content of a member-signed event: the base64url of a hub-event blob of a
 * MAX_MEMBER_EVENT_BYTES payload (45 + paddedLength(256) = 301 bytes, Section 7). Relays and
 * clients refuse a longer one from a member without decrypting it.
 */
export const MAX_MEMBER_EVENT_CONTENT = 402;
/** NIP-42: the kind of the event a client signs to authenticate to a relay. */
export const RELAY_AUTH_KIND = 22242;
/**
 * Hub events are live: one whose created_at is further than this (seconds, either way) from now
 * is a replay, refused by the relay and by clients.
 */
export const HUB_EVENT_MAX_SKEW_SECONDS = 600;

const ShiftChangedEvent = z.object({ type: z.literal('shift:changed') }).strict();

/**
 * Section names only: clients read the values back through the API, which checks permissions.
 * Besides the document's sections: 'providers' (telephony credentials) and 'messaging-channels'
 * (a messaging channel's configuration; not 'channels', which is the document's section of
 * channel switches).
 */
const SettingsChangedEvent = z
  .object({
    type: z.literal('settings:changed'),
    sections: z
      .array(z.union([SettingsSection, z.literal('providers'), z.literal('messaging-channels')]))
      .max(32),
  })
  .strict();

/**
 * A scheduled backup failed (admins' clients show a banner and read the details, which need
 * settings:read, through the API). Every member holds the hub key, so it says nothing more.
 */
const BackupFailedEvent = z.object({ type: z.literal('backup:failed'), at: Instant }).strict();

/** Every hub event payload; the messaging ones join this union later. */
export const HubEventPayload = z.discriminatedUnion('type', [
  CallRingEvent,
  CallAnsweredEvent,
  CallEndedEvent,
  CallTransferInviteEvent,
  VoicemailNewEvent,
  PresenceEvent,
  ShiftChangedEvent,
  SettingsChangedEvent,
  MessageNewEvent,
  ConversationAssignedEvent,
  ConversationUpdatedEvent,
  ConversationRewrapNeededEvent,
  BackupFailedEvent,
  ReportEvent,
  TranscriptEvent,
]);
export type HubEventPayload = z.infer<typeof HubEventPayload>;
export type HubEventType = HubEventPayload['type'];

/** `GET /api/hub-key` and `GET /api/hub-key/:id`: the caller's own wrap of a hub key (base64url). */
export const HubKeyWrapView = z
  .object({ keyId: z.string(), wrap: z.string(), current: z.boolean() })
  .strict();
export type HubKeyWrapView = z.infer<typeof HubKeyWrapView>;
