import { z } from 'zod';
import { type RequestOptions, request } from './api/http.js';

/**
 * Transitional: the pages not yet moved to the typed client (./api/index.js) still call this.
 * It is removed once the last of them has moved; a source test lists the files that may use it.
 * @deprecated use the route functions of ./api/index.js, which check every answer.
 */
export const api = <T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
) => request(z.unknown(), method, path, body, options) as Promise<T>;

export { ApiRequestError, apiStream, setSigningOrigin, useKey, useSession } from './api/http.js';
