import type { ErrorCode } from '@llamenos/protocol';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** An error a route throws on purpose: it becomes `{error: {code, message}}` with its status. */
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

export const badRequest = (message: string, details?: unknown) =>
  new ApiError(400, 'bad_request', message, details);
export const unauthenticated = (message = 'sign in first') => new ApiError(401, 'unauthenticated', message);
export const forbidden = (message = 'you do not have permission for this') =>
  new ApiError(403, 'forbidden', message);
export const notFound = (message = 'not found') => new ApiError(404, 'not_found', message);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const gone = (message: string) => new ApiError(410, 'gone', message);
export const rateLimited = (retryAfterSeconds: number) =>
  new ApiError(429, 'rate_limited', `too many attempts; try again in ${retryAfterSeconds} s`, {
    retryAfterSeconds,
  });
