import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AppEnv } from './context.js';
import { endpoint } from './endpoint.js';
import { ApiError, httpErrorOf } from './errors.js';

/** A bare app with the API's error answer, so the endpoint's refusals read as a client sees them. */
function appWith(mount: (app: Hono<AppEnv>) => void) {
  const app = new Hono<AppEnv>();
  mount(app);
  app.onError((thrown, c) => {
    const error = httpErrorOf(thrown);
    if (!(error instanceof ApiError)) throw thrown;
    return c.json({ error: { code: error.code, message: error.message } }, error.status);
  });
  return app;
}

const Item = z.object({ name: z.string().min(1) }).strict();
const Id = z.object({ id: z.string().uuid() });
const ID = '00000000-0000-4000-8000-000000000001';

describe('endpoint', () => {
  const calls: unknown[] = [];
  const app = appWith((a) => {
    a.get(
      '/plain',
      endpoint({ query: 'none' }, async () => ({ ok: true })),
    );
    a.get(
      '/search',
      endpoint({ query: z.object({ q: z.string() }).strict() }, async ({ query }) => ({ q: query.q })),
    );
    a.post(
      '/items/:id',
      endpoint({ params: Id, body: Item, status: 201 }, async ({ params, body }) => {
        calls.push({ params, body });
        return { id: params.id, name: body.name };
      }),
    );
    a.delete(
      '/items/:id',
      endpoint({ params: Id, status: 204 }, async () => ({ ignored: true })),
    );
    a.get(
      '/stream',
      endpoint({}, async ({ c }) => c.body('raw', 202)),
    );
  });
  const post = (path: string, body: string, type = 'application/json') =>
    app.request(path, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers JSON (200, or 201 when the route says so) from the parsed parts', async () => {
    expect(await (await app.request('/plain')).json()).toEqual({ ok: true });
    expect(await (await app.request('/search?q=x')).json()).toEqual({ q: 'x' });
    const created = await post(`/items/${ID}`, '{"name":"a"}');
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: ID, name: 'a' });
  });

  it("refuses any query parameter on a 'none' route, and an unknown one on a strict query, with 400", async () => {
    for (const path of ['/plain?typo=1', '/search?q=x&typo=1', '/search']) {
      const res = await app.request(path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^invalid query/);
    }
  });

  it('refuses a bad path or body with 400 or 415 naming the part, and the service is not called', async () => {
    calls.length = 0;
    const cases: [Response, number, RegExp][] = [
      [await post('/items/not-a-uuid', '{"name":"a"}'), 400, /^invalid path at id/],
      [await post(`/items/${ID}`, '{"name":""}'), 400, /^invalid body at name/],
      [await post(`/items/${ID}`, '{"name":"a","extra":1}'), 400, /^invalid body/],
      [await post(`/items/${ID}`, '{"name":'), 400, /JSON/],
      [await post(`/items/${ID}`, 'name=a', 'application/x-www-form-urlencoded'), 415, /send JSON/],
    ];
    for (const [res, status, message] of cases) {
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(calls).toEqual([]);
  });

  it('answers 204 with no body, and passes a Response the service built through as it is', async () => {
    const removed = await app.request(`/items/${ID}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe('');
    const raw = await app.request('/stream');
    expect(raw.status).toBe(202);
    expect(await raw.text()).toBe('raw');
  });
});
