import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { appendAudit } from './service.js';

const at = (minute: number) => new Date(Date.UTC(2025, 2, 1, 12, minute));

interface Page {
  entries: { seq: number; action: string; actorPubkey: string | null; createdAt: string }[];
  nextBefore: number | null;
}

describe('audit routes', () => {
  let h: TestHotline;
  let admin: TestUser;
  let volunteer: TestUser;
  const get = async (path: string, as: TestUser | undefined = admin) => h.request('GET', path, { as });
  const page = async (path: string) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin']);
    volunteer = await h.addUser(['volunteer']);
    // 12 entries, one a minute: alternating actors, three kinds of action.
    for (let i = 1; i <= 12; i++) {
      const action = ['call.answered', 'call.ended', 'user_role.changed'][i % 3]!;
      await appendAudit(h.ctx.db, { action, actorPubkey: i % 2 ? admin.pubkey : volunteer.pubkey }, at(i));
    }
  });
  afterAll(() => h.close());

  it('lists the newest first with a default page', async () => {
    const { entries, nextBefore } = await page('/api/audit');
    expect(entries.map((e) => e.seq)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(nextBefore).toBeNull();
  });

  it('pages backwards with before until the last page', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const p: Page = await page(`/api/audit?limit=5${cursor ? `&before=${cursor}` : ''}`);
      seen.push(...p.entries.map((e) => e.seq));
      cursor = p.nextBefore;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('does not promise a next page when the last one is exactly full', async () => {
    expect((await page('/api/audit?limit=12')).nextBefore).toBeNull();
    expect((await page('/api/audit?limit=11')).nextBefore).toBe(2);
  });

  it('filters by exact action and by prefix', async () => {
    const exact = await page('/api/audit?action=call.ended');
    expect(exact.entries.map((e) => e.seq)).toEqual([10, 7, 4, 1]);
    const prefix = await page('/api/audit?action=call.*');
    expect(prefix.entries.every((e) => e.action.startsWith('call.'))).toBe(true);
    expect(prefix.entries).toHaveLength(8);
    // `_` is a literal character in a prefix, not a LIKE wildcard.
    expect((await page('/api/audit?action=user_*')).entries).toHaveLength(4);
    expect((await page('/api/audit?action=userxrole*')).entries).toHaveLength(0);
  });

  it('filters by actor and by time window', async () => {
    const mine = await page(`/api/audit?actor=${volunteer.pubkey}`);
    expect(mine.entries.map((e) => e.seq)).toEqual([12, 10, 8, 6, 4, 2]);
    const window = await page(
      `/api/audit?since=${encodeURIComponent(at(3).toISOString())}&until=${encodeURIComponent(at(6).toISOString())}`,
    );
    expect(window.entries.map((e) => e.seq)).toEqual([5, 4, 3]);
    const combined = await page(
      `/api/audit?action=call.*&actor=${admin.pubkey}&since=2025-03-01T12:05:00%2B00:00`,
    );
    expect(combined.entries.map((e) => e.seq)).toEqual([9, 7]);
  });

  it('verifies the chain', async () => {
    const res = await get('/api/audit/verify');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, count: 12 });
  });

  it('refuses volunteers with 403 and anonymous callers with 401', async () => {
    for (const path of ['/api/audit', '/api/audit/verify']) {
      const denied = await get(path, volunteer);
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ error: { code: 'forbidden' } });
      const anonymous = await h.request('GET', path);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['since=garbage', 'since'],
    ['until=2025-13-01T00:00:00Z', 'until'],
    ['actor=not-a-key', 'actor'],
    ['before=-1', 'before'],
    ['action=DROP%20TABLE', 'action'],
    ['since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z', 'until'],
    ['sort=asc', ''],
  ])('answers a bad query (%s) with a 400 naming the field', async (query, field) => {
    const res = await get(`/api/audit?${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { path: string }[] };
    };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/^invalid query/);
    if (field) expect(body.error.details.map((d) => d.path)).toContain(field);
  });
});
