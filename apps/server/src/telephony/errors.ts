import { maskPhones } from '../logging.js';

/**
 * Errors from talking to a provider. Messages name the provider and the operation, never a
 * credential, and show phone numbers only by their last four digits, so they are safe to log.
 */
export class TelephonyError extends Error {
  override readonly name: string = 'TelephonyError';
  constructor(
    readonly provider: string,
    readonly operation: string,
    message: string,
  ) {
    super(maskPhones(`${provider} ${operation}: ${message}`));
  }
}

/** The provider answered with an error status. */
export class ProviderHttpError extends TelephonyError {
  override readonly name = 'ProviderHttpError';
  constructor(
    provider: string,
    operation: string,
    readonly status: number,
    /** The provider's own error code (Twilio's 20404, 21205, …), when its body gave one. */
    readonly providerCode: number | string | null,
    providerMessage: string | null,
  ) {
    super(
      provider,
      operation,
      `HTTP ${status}${providerCode !== null ? ` (code ${providerCode})` : ''}${providerMessage ? `: ${providerMessage.slice(0, 300)}` : ''}`,
    );
  }
}

/** No answer within the time limit; the operation may or may not have happened. */
export class ProviderTimeoutError extends TelephonyError {
  override readonly name = 'ProviderTimeoutError';
  constructor(
    provider: string,
    operation: string,
    readonly timeoutMs: number,
  ) {
    super(provider, operation, `no answer within ${timeoutMs} ms`);
  }
}

/** The provider could not be reached at all (DNS, refused connection, TLS). */
export class ProviderUnreachableError extends TelephonyError {
  override readonly name = 'ProviderUnreachableError';
}

/** The provider answered 2xx with a body we cannot use. */
export class ProviderResponseError extends TelephonyError {
  override readonly name = 'ProviderResponseError';
}

/** A request we refuse to send: a malformed phone number, id or URL. Nothing was sent. */
export class TelephonyInputError extends TelephonyError {
  override readonly name = 'TelephonyInputError';
}

/** The provider has no (readable) credentials, or cannot be used in this mode. */
export class TelephonyNotConfiguredError extends TelephonyError {
  override readonly name = 'TelephonyNotConfiguredError';
}
