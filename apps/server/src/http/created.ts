import type { Context } from 'hono';

/**
 * The answer to a create the client may send again with the same id (a retry after a lost
 * response): 201 with the new thing, or 200 with the one stored the first time, under `key`.
 */
export function createdOrStored<K extends string, T>(
  c: Context,
  key: K,
  result: { created: boolean } & Record<K, T>,
): Response {
  return c.json({ [key]: result[key] }, result.created ? 201 : 200);
}
