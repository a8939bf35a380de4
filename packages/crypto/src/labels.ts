/**
 * Every context string of the Llamenos protocol, in one place.
 *
 * A label is mixed into each key derivation (as HKDF info) and each AEAD's associated
 * data, so a key or ciphertext made for one purpose can never be accepted for another.
 * No other file may spell a context string; tests enforce it.
 */

/** HKDF salt for every derivation in protocol version 1 (UTF-8 bytes of this string). */
export const PROTOCOL_SALT = 'llamenos/v1/hkdf-salt';

// Content encryption (XChaCha20-Poly1305 with a random per-object key).
export const LABEL_NOTE_CONTENT = 'llamenos/v1/note/content';
export const LABEL_REPORT_CONTENT = 'llamenos/v1/report/content';
export const LABEL_MESSAGE_CONTENT = 'llamenos/v1/message/content';
export const LABEL_VOICEMAIL_CONTENT = 'llamenos/v1/voicemail/content';
export const LABEL_TRANSCRIPT_CONTENT = 'llamenos/v1/transcript/content';
export const LABEL_CALL_META_CONTENT = 'llamenos/v1/call-meta/content';
export const LABEL_EXPORT_CONTENT = 'llamenos/v1/export/content';
export const LABEL_CONVERSATION_EXPORT_CONTENT = 'llamenos/v1/conversation-export/content';
export const LABEL_DRAFT_CONTENT = 'llamenos/v1/draft/content';
export const LABEL_ATTACHMENT_STREAM = 'llamenos/v1/attachment/stream';
export const LABEL_VOICEMAIL_STREAM = 'llamenos/v1/voicemail/stream';

// ECIES key wraps: a per-object key wrapped for one reader.
export const LABEL_NOTE_KEY_WRAP = 'llamenos/v1/note/key-wrap';
export const LABEL_REPORT_KEY_WRAP = 'llamenos/v1/report/key-wrap';
export const LABEL_MESSAGE_KEY_WRAP = 'llamenos/v1/message/key-wrap';
export const LABEL_VOICEMAIL_KEY_WRAP = 'llamenos/v1/voicemail/key-wrap';
export const LABEL_TRANSCRIPT_KEY_WRAP = 'llamenos/v1/transcript/key-wrap';
export const LABEL_CALL_META_KEY_WRAP = 'llamenos/v1/call-meta/key-wrap';
export const LABEL_EXPORT_KEY_WRAP = 'llamenos/v1/export/key-wrap';
export const LABEL_CONVERSATION_EXPORT_KEY_WRAP = 'llamenos/v1/conversation-export/key-wrap';
export const LABEL_ATTACHMENT_KEY_WRAP = 'llamenos/v1/attachment/key-wrap';
export const LABEL_HUB_KEY_WRAP = 'llamenos/v1/hub-key/wrap';

// Derived keys.
export const LABEL_HUB_EVENT = 'llamenos/v1/hub-event';
export const LABEL_DRAFT_KEY = 'llamenos/v1/draft/key';
export const LABEL_SERVER_NOSTR_KEY = 'llamenos/v1/server/nostr-key';
export const LABEL_SERVER_HASH_KEY = 'llamenos/v1/server/hash-key';
export const LABEL_SERVER_SETTINGS_KEY = 'llamenos/v1/server/settings-key';
export const LABEL_PROVIDER_SECRET = 'llamenos/v1/settings/provider-secret';
export const LABEL_SERVER_FIELD = 'llamenos/v1/server/field-at-rest';
export const LABEL_SIMULATOR_CARRIER = 'llamenos/v1/server/simulator-carrier';
export const LABEL_BROWSER_IDENTITY = 'llamenos/v1/server/browser-identity';
export const LABEL_SERVER_REQUEST_KEY = 'llamenos/v1/server/request-key';
export const LABEL_REQUEST_KEY = 'llamenos/v1/request-key';
export const LABEL_REQUEST_MAC = 'llamenos/v1/request-mac';

// The secret key at rest.
export const LABEL_PIN_LOCK = 'llamenos/v1/pin-lock';
export const LABEL_RECOVERY_LOCK = 'llamenos/v1/recovery-lock';
export const LABEL_RECOVERY_CHECK = 'llamenos/v1/recovery-check';
export const LABEL_KEY_ID = 'llamenos/v1/key-id';

// Keyed hashes and integrity.
export const LABEL_PHONE_HASH = 'llamenos/v1/hash/phone';
export const LABEL_IP_HASH = 'llamenos/v1/hash/ip';
export const LABEL_AUDIT_CHAIN = 'llamenos/v1/audit/entry';

/** The pair of labels an object kind uses: one for its content, one for its key wraps. */
export interface Purpose {
  readonly content: string;
  readonly wrap: string;
}

/** Objects that are sealed once and opened by several readers (author + admins, or admins). */
export const PURPOSES = {
  note: { content: LABEL_NOTE_CONTENT, wrap: LABEL_NOTE_KEY_WRAP },
  report: { content: LABEL_REPORT_CONTENT, wrap: LABEL_REPORT_KEY_WRAP },
  message: { content: LABEL_MESSAGE_CONTENT, wrap: LABEL_MESSAGE_KEY_WRAP },
  voicemail: { content: LABEL_VOICEMAIL_STREAM, wrap: LABEL_VOICEMAIL_KEY_WRAP },
  transcript: { content: LABEL_TRANSCRIPT_CONTENT, wrap: LABEL_TRANSCRIPT_KEY_WRAP },
  callMeta: { content: LABEL_CALL_META_CONTENT, wrap: LABEL_CALL_META_KEY_WRAP },
  export: { content: LABEL_EXPORT_CONTENT, wrap: LABEL_EXPORT_KEY_WRAP },
  conversationExport: {
    content: LABEL_CONVERSATION_EXPORT_CONTENT,
    wrap: LABEL_CONVERSATION_EXPORT_KEY_WRAP,
  },
  attachment: { content: LABEL_ATTACHMENT_STREAM, wrap: LABEL_ATTACHMENT_KEY_WRAP },
} as const satisfies Record<string, Purpose>;

export type PurposeName = keyof typeof PURPOSES;
