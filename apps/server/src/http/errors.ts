import type { ErrorCode } from '@llamenos/protocol';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, type DomainErrorKind } from '../domain/errors.js';

/**
 * An error with its HTTP status, for what only the HTTP layer knows (an unsupported media type,
 * a provider webhook that cannot be served). Services throw DomainError instead; the app's error
 * handler turns both into `{error: {code, message, details?}}`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The one table from a service's refusal to the API's status and error code. */
const HTTP_OF: Record<DomainErrorKind, { status: ContentfulStatusCode; code: ErrorCode }> = {
  invalid: { status: 400, code: 'bad_request' },
  'validation-failed': { status: 400, code: 'validation_failed' },
  unauthenticated: { status: 401, code: 'unauthenticated' },
  forbidden: { status: 403, code: 'forbidden' },
  'not-found': { status: 404, code: 'not_found' },
  conflict: { status: 409, code: 'conflict' },
  gone: { status: 410, code: 'gone' },
  'rate-limited': { status: 429, code: 'rate_limited' },
  'too-large': { status: 413, code: 'payload_too_large' },
  'insufficient-storage': { status: 507, code: 'insufficient_storage' },
  unavailable: { status: 503, code: 'unavailable' },
  internal: { status: 500, code: 'internal' },
};

/** A DomainError as the API answers it; any other error is returned as it is. */
export function httpErrorOf(error: Error): Error {
  if (!(error instanceof DomainError)) return error;
  const { status, code } = HTTP_OF[error.kind];
  return new ApiError(status, code, error.message, error.details);
}

// The HTTP plumbing (body checks, guards, the simulator and relay routes) names
// the same refusals; they are DomainErrors too, so there is one convention.
export {
  conflict,
  forbidden,
  gone,
  invalid as badRequest,
  notFound,
  unauthenticated,
} from '../domain/errors.js';
