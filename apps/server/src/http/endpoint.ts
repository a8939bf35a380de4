import type { Context, Handler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './context.js';
import { noQuery, readJson, readParams, readQuery } from './validate.js';

/**
 * What a route reads from its request, each part checked by its schema before the handler runs,
 * in this order: query, path, body. A part left out is not read, except that `query: 'none'`
 * refuses any query parameter (a typo in one is then a 400, never ignored).
 */
export interface Reads<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  query?: Q | 'none';
  params?: P;
  body?: B;
  /** The answer's status: 200 (the default) or 201 with the JSON, 204 with no body. */
  status?: 201 | 204;
}

/**
 * The request as the handler sees it: Hono's context and the parts the route reads, parsed (a
 * part it does not read is undefined).
 */
export interface Input<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  c: Context<AppEnv>;
  query: z.infer<Q>;
  params: z.infer<P>;
  body: z.infer<B>;
}

/**
 * A route handler of the usual parse → service → respond form: the parts `reads` names are
 * parsed (bad input is a 400 with its path), `run` calls the service, and what it returns is
 * answered as JSON, or as itself when it is already a Response (a stream, createdOrStored).
 * The route's guard stays its own handler before this one, where the route × role test finds it.
 */
export function endpoint<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(reads: Reads<P, Q, B>, run: (input: Input<P, Q, B>) => Promise<unknown>): Handler<AppEnv> {
  return async (c) => {
    let query: unknown;
    if (reads.query === 'none') noQuery(c);
    else if (reads.query) query = readQuery(c, reads.query);
    const params = reads.params ? readParams(c, reads.params) : undefined;
    const body = reads.body ? await readJson(c, reads.body) : undefined;
    const result = await run({ c, query, params, body } as Input<P, Q, B>);
    if (result instanceof Response) return result;
    if (reads.status === 204) return c.body(null, 204);
    return c.json(result as object, reads.status ?? 200);
  };
}
