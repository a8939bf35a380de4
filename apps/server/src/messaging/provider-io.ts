import { E164 } from '@llamenos/protocol';
import {
  ProviderHttpError,
  ProviderTimeoutError,
  ProviderUnreachableError,
  TelephonyError,
  TelephonyInputError,
} from '../telephony/errors.js';
import type { ProviderHttp } from '../telephony/http.js';
import {
  ChannelInputError,
  ChannelSendError,
  type DeliveryStatus,
  type InboundMessage,
  type InboundParse,
  type OutboundMessage,
  type WebhookAnswer,
} from './channel.js';

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

/**
 * Runs one reply's send through a phone-number channel: the addresses (the reply's `to` and
 * `from` unless named) must be E.164 numbers and the text sendable before anything goes out,
 * and any failure becomes a ChannelSendError (sending).
 */
export function sendingReply<T>(
  message: OutboundMessage,
  work: () => Promise<T>,
  addresses: string[] = [message.to, message.from],
): Promise<T> {
  return sending(async () => {
    refuseNonE164(...addresses);
    refuseUnsendableBody(message.body);
    return work();
  });
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

/**
 * A reply no provider would take: empty, or longer than we ever hand over. Refused before the
 * provider is asked, and not retryable (the same text fails the same way).
 */
export function refuseUnsendableBody(body: string): void {
  if (!body || body.length > MAX_OUTBOUND_CHARS)
    throw new ChannelSendError(
      'invalid-message',
      `a reply holds 1 to ${MAX_OUTBOUND_CHARS} characters`,
      false,
    );
}

/** A reply to an address that is not a phone number: the provider would refuse it, and so do we. */
export function refuseNonE164(...addresses: string[]): void {
  if (!addresses.every((address) => E164.safeParse(address).success))
    throw new ChannelSendError('invalid-message', 'the address is not an E.164 number', false);
}

/** A reply handed to the provider as one JSON POST (Plivo, Vonage, Signal); its answer's JSON. */
export async function postReply(
  http: ProviderHttp,
  path: string,
  json: unknown,
): Promise<Record<string, unknown>> {
  const { data } = await http.json({ operation: 'send message', method: 'POST', path, json });
  return data;
}

/**
 * A media item's bytes from the provider, under the media size and time limits: by its path
 * under the adapter's base URL, or by a full URL whose host the adapter has already checked.
 */
export async function streamMedia(
  http: ProviderHttp,
  where: { path: string } | { absoluteUrl: string },
  timeoutMs: number | undefined,
): Promise<AsyncGenerator<Uint8Array>> {
  const reply = await http.stream({
    operation: 'fetch media',
    method: 'GET',
    path: 'path' in where ? where.path : '',
    absoluteUrl: 'absoluteUrl' in where ? where.absoluteUrl : undefined,
    accept: '*/*',
    maxBytes: MAX_MEDIA_BYTES,
    timeoutMs: timeoutMs ?? MEDIA_TIMEOUT_MS,
  });
  return chunksOf(reply.body);
}

/** A webhook that carried one message from a contact (each of Twilio's, Plivo's and Vonage's does). */
export function oneMessage(message: InboundMessage): InboundParse {
  return { kind: 'messages', messages: [message] };
}

/** The plain "ok" that Plivo, Vonage and Meta expect to a webhook they may otherwise retry. */
export const answerOk = (): WebhookAnswer => ({ status: 200, contentType: 'text/plain', body: 'ok' });

/**
 * One delivery report as the contract takes it. `status` is the provider's word already mapped
 * onto ours; a word we do not map (accepted, scheduled, …) is not news.
 */
export function deliveryReport(
  providerMessageId: string,
  status: DeliveryStatus | undefined,
  errorCode: string | null,
): InboundParse {
  if (!status) return { kind: 'ignored' };
  return { kind: 'statuses', updates: [{ providerMessageId, status, errorCode }] };
}

/**
 * The delivery words Twilio and Plivo share (Plivo's message statuses follow Twilio's) onto ours;
 * each adapter adds its own.
 */
export const SHARED_SMS_STATUSES: Record<string, DeliveryStatus> = {
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
};

/** A provider's numeric error code (Twilio, Plivo) as shown to the volunteer; anything else is dropped. */
export const numericErrorCode = (code: string | null): string | null =>
  code && /^\d{1,10}$/.test(code) ? code : null;

/**
 * An announced media ref checked by the adapter's own rule (`check` throws for a ref it would
 * never fetch): a webhook naming anything else is refused as input, before any fetch.
 */
export function checkAnnouncedMedia(check: () => unknown, refusal: string): void {
  try {
    check();
  } catch {
    throw new ChannelInputError(refusal);
  }
}

/** `ref` as a URL, or null for anything that is not one (the adapter refuses it). */
export function urlOrNull(ref: string): URL | null {
  try {
    return new URL(ref);
  } catch {
    return null;
  }
}

/**
 * WhatsApp (through Twilio or Meta) takes only an approved template more than 24 hours after
 * the contact last wrote. With one configured it was sent (asking the contact to write back),
 * and the reply itself still fails, so the volunteer sees why and can send it again once the
 * contact answers; without one nothing can be sent.
 */
function outsideWindowRefusal(templateSent: boolean): ChannelSendError {
  return templateSent
    ? new ChannelSendError(
        'outside-24h-window',
        "more than 24 hours since the contact last wrote: WhatsApp allowed only the hotline's template, which was sent; send the reply again once they answer",
        true,
      )
    : new ChannelSendError(
        'outside-24h-window',
        'more than 24 hours since the contact last wrote, and no WhatsApp template is configured: WhatsApp refuses the reply',
        false,
      );
}

/**
 * A reply WhatsApp refused because its 24-hour window is closed: the configured template is sent
 * by `sendTemplate` if there is one, and the reply fails either way (outsideWindowRefusal).
 */
export async function refuseOutsideWindow<T>(
  template: T | null | undefined,
  sendTemplate: (template: T) => Promise<unknown>,
): Promise<never> {
  if (!template) throw outsideWindowRefusal(false);
  await sendTemplate(template);
  throw outsideWindowRefusal(true);
}
