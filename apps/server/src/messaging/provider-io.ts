import {
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyError,
  TelephonyInputError,
} from '../telephony/errors.js';
import { ChannelSendError } from './channel.js';

/**
 * What every channel adapter shares in talking to its provider. Adapters talk to providers through telephony/http.ts, which throws TelephonyErrors (messages
 * already free of credentials, numbers masked). A failed send reaches the volunteer as a
 * ChannelSendError with a stable code and whether a later retry may work.
 */
export function toChannelSendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error;
  if (error instanceof ProviderHttpError) {
    const retryable = error.status >= 500 || error.status === 429;
    return new ChannelSendError('provider-refused', error.message, retryable);
  }
  if (error instanceof ProviderTimeoutError || error instanceof ProviderUnreachableError)
    return new ChannelSendError('unreachable', error.message, true);
  if (error instanceof TelephonyInputError)
    return new ChannelSendError('invalid-message', error.message, false);
  if (error instanceof TelephonyError) return new ChannelSendError('provider-error', error.message, true);
  return new ChannelSendError('provider-error', 'the message could not be handed to the provider', true);
}

/** Runs one provider send, turning any failure into a ChannelSendError. */
export async function sending<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toChannelSendError(error);
  }
}

/** Largest media file fetched from a provider (WhatsApp's own limit for documents is 100 MB). */
export const MAX_MEDIA_BYTES = 100 * 1024 * 1024;
/** A media download streams as it arrives; a large file on a slow link needs more than 10 s. */
export const MEDIA_TIMEOUT_MS = 120_000;
/** Longest text we hand a provider (a WhatsApp text may hold 4,096 characters; SMS is split). */
export const MAX_OUTBOUND_CHARS = 4096;

/** A provider's media answer as the contract hands it on: chunks as they arrive; stopping early cancels the download. */
export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
