import type { z } from 'zod';

/**
 * What a service refuses, said without HTTP. Services throw a DomainError with a kind; the app's
 * error handler (http/errors.ts: httpErrorOf) is the one place that turns kinds into statuses and
 * the API's error codes, so a service reads the same from a route, a timer or a test.
 */

export type DomainErrorKind =
  /** The request contradicts a rule (400 bad_request). */
  | 'invalid'
  /** A document or body does not validate; `details` lists the issues (400 validation_failed). */
  | 'validation-failed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  /** The state moved under the caller (someone else answered, a stale version). */
  | 'conflict'
  /** It existed and was removed for good (a deleted note, a used invite). */
  | 'gone'
  /** `details.retryAfterSeconds` says when to come back. */
  | 'rate-limited'
  /** Above a limit an admin set (an attachment's size); the message names the limit (413). */
  | 'too-large'
  /** The server's storage is full; nothing was kept and the client may retry later (507). */
  | 'insufficient-storage'
  /** Something the service depends on is not there (the database, a migration). */
  | 'unavailable'
  /** A state the server cannot serve until the operator acts; the message says what to do (500). */
  | 'internal';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const invalid = (message: string, details?: unknown) => new DomainError('invalid', message, details);
export const validationFailed = (message: string, details: unknown) =>
  new DomainError('validation-failed', message, details);
export const unauthenticated = (message = 'sign in first') => new DomainError('unauthenticated', message);
export const forbidden = (message = 'you do not have permission for this') =>
  new DomainError('forbidden', message);
export const notFound = (message = 'not found') => new DomainError('not-found', message);
export const conflict = (message: string, details?: unknown) => new DomainError('conflict', message, details);
export const gone = (message: string) => new DomainError('gone', message);
export const tooLarge = (message: string, details?: unknown) =>
  new DomainError('too-large', message, details);
export const insufficientStorage = (message: string) => new DomainError('insufficient-storage', message);
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('rate-limited', `too many attempts; try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });

/**
 * `value` parsed with `schema`, or a validation failure naming `what` and the first offending
 * path (for a whole document a service checks, such as a provider's credentials).
 */
export function parseOrRefuse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw validationFailed(
    `invalid ${what} at ${first?.path.join('.') || '(body)'}: ${first?.message ?? 'invalid'}`,
    parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}
