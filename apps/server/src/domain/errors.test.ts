import { describe, expect, it } from 'vitest';
import { ApiError, httpErrorOf } from '../http/errors.js';
import {
  conflict,
  DomainError,
  forbidden,
  gone,
  insufficientStorage,
  invalid,
  notFound,
  rateLimited,
  tooLarge,
  unauthenticated,
  validationFailed,
} from './errors.js';

/** The one table from a service's refusal to the API's answer: the statuses and codes clients rely on. */
describe('domain errors as the API answers them', () => {
  const answer = (error: DomainError) => {
    const http = httpErrorOf(error);
    expect(http).toBeInstanceOf(ApiError);
    const { status, code, message, details } = http as ApiError;
    return { status, code, message, details };
  };

  it('maps every kind to its status and error code, keeping message and details', () => {
    expect(answer(invalid('bad', { at: 1 }))).toEqual({
      status: 400,
      code: 'bad_request',
      message: 'bad',
      details: { at: 1 },
    });
    expect(answer(validationFailed('invalid body at x: y', [{ path: 'x', message: 'y' }]))).toEqual({
      status: 400,
      code: 'validation_failed',
      message: 'invalid body at x: y',
      details: [{ path: 'x', message: 'y' }],
    });
    expect(answer(unauthenticated())).toMatchObject({
      status: 401,
      code: 'unauthenticated',
      message: 'sign in first',
    });
    expect(answer(forbidden())).toMatchObject({ status: 403, code: 'forbidden' });
    expect(answer(notFound('no such call'))).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'no such call',
    });
    expect(answer(conflict('taken', { currentVersion: 3 }))).toMatchObject({
      status: 409,
      code: 'conflict',
      details: { currentVersion: 3 },
    });
    expect(answer(gone('used'))).toMatchObject({ status: 410, code: 'gone' });
    expect(answer(rateLimited(30))).toEqual({
      status: 429,
      code: 'rate_limited',
      message: 'too many attempts; try again in 30 s',
      details: { retryAfterSeconds: 30 },
    });
    expect(answer(tooLarge('above the limit of 2 GiB per file'))).toMatchObject({
      status: 413,
      code: 'payload_too_large',
      message: 'above the limit of 2 GiB per file',
    });
    expect(answer(insufficientStorage('the store is full'))).toMatchObject({
      status: 507,
      code: 'insufficient_storage',
    });
    expect(answer(new DomainError('unavailable', 'database unreachable'))).toMatchObject({
      status: 503,
      code: 'unavailable',
    });
    expect(answer(new DomainError('internal', 'restore SERVER_SECRET'))).toMatchObject({
      status: 500,
      code: 'internal',
    });
  });

  it('leaves other errors as they are (an ApiError keeps its status; anything else is a 500 in the app)', () => {
    const api = new ApiError(415, 'unsupported_media_type', 'send JSON');
    expect(httpErrorOf(api)).toBe(api);
    const bug = new TypeError('x is undefined');
    expect(httpErrorOf(bug)).toBe(bug);
  });
});
