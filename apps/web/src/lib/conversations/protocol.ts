/** A message as the worker opens it: its ciphertext and the reader's own wrap (null: not shared). */
export interface SealedMessage {
  id: string;
  ciphertext: string;
  wrap: string | null;
}

/**
 * The outcome of opening one message: its text, or why not. `no-wrap`: not shared with this key
 * (yet: a change of hands waits for its re-wrap); `decrypt`: the wrap or ciphertext did not
 * authenticate; `malformed`: it decrypted but is not a message payload.
 */
export type OpenedMessage =
  | { id: string; status: 'ok'; body: string }
  | { id: string; status: 'failed'; reason: 'no-wrap' | 'decrypt' | 'malformed' };

export interface RecipientWrap {
  recordId: string;
  wrap: string;
}
