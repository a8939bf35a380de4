import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from './context.js';
import { ApiError, badRequest } from './errors.js';
import { BodyError, parseJsonBytes } from './json-body.js';

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

function fail(where: string, error: z.ZodError): never {
  const first = error.issues[0];
  const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
  throw new ApiError(
    400,
    'validation_failed',
    `invalid ${where}${at}: ${first?.message ?? 'invalid'}`,
    issuesOf(error),
  );
}

/** Parses the JSON body with `schema`; malformed JSON and schema violations are 400s with the offending path. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    throw new ApiError(415, 'unsupported_media_type', 'send JSON (Content-Type: application/json)');
  let body: unknown;
  const checked = (c as Context<AppEnv>).get('jsonBody');
  if (checked) body = checked.value;
  else {
    // An empty body, or an app without checkBodies (tests mounting one module): same rules.
    try {
      body = parseJsonBytes(new Uint8Array(await c.req.arrayBuffer()));
    } catch (error) {
      if (error instanceof BodyError) throw badRequest(error.message);
      throw error;
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) fail('body', result.error);
  return result.data;
}

/** Parses the query string with `schema`. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.query());
  if (!result.success) fail('query', result.error);
  return result.data;
}

/** Parses path parameters with `schema`. */
export function readParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const result = schema.safeParse(c.req.param());
  if (!result.success) fail('path', result.error);
  return result.data;
}

const NoQuery = z.object({}).strict();

/** For a route that takes no query parameters: any is a 400, so a typo in one is never ignored. */
export function noQuery(c: Context): void {
  readQuery(c, NoQuery);
}

/**
 * A lowercase UUID as a Hono path pattern (`:id{${UUID_PATH}}`): only such segments reach an id
 * route, so fixed paths beside it (`/notes/export`) never do.
 */
export const UUID_PATH = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The raw body of an upload that must come as bytes (a chunk of a file); anything else is a 415. */
export async function readOctetStream(c: Context, what: string): Promise<Uint8Array> {
  if (!/^application\/octet-stream\b/i.test(c.req.header('content-type') ?? ''))
    throw new ApiError(
      415,
      'unsupported_media_type',
      `send ${what} as its bytes (Content-Type: application/octet-stream)`,
    );
  return new Uint8Array(await c.req.arrayBuffer());
}
