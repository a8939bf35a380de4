import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { openReport, payload, reportsClient } from '../../test/reports-helpers.js';

/**
 * A custom role that reads every report but files none (an oversight board, say): reading all
 * includes reading one's own, so the list and a report open without reports:read-own.
 */
describe('a custom role with only reports:read-all', () => {
  let h: TestHotline;
  let r: ReturnType<typeof reportsClient>;
  let admin: TestUser;
  let rita: TestUser;
  let board: TestUser;

  beforeAll(async () => {
    h = await createTestHotline();
    r = reportsClient(h);
    admin = await h.addUser(['admin'], 'Admin');
    rita = await h.addUser(['reporter'], 'Rita');
    const role = await r.json(
      await h.request('POST', '/api/roles', {
        as: admin,
        body: { name: 'Oversight board', permissions: ['reports:read-all'] },
      }),
      201,
    );
    board = await h.addUser([role.id], 'Board member');
  });
  afterAll(() => h.close());

  it('lists and opens every report, and is among its readers', async () => {
    expect(await r.readers(rita)).toContain(board.pubkey);
    const p = payload('Seen by the board');
    const id = await r.file(rita, p);
    expect((await r.list(board)).map((x) => x.id)).toContain(id);
    const detail = await r.json(await r.get(board, id));
    expect(openReport(detail.report, board)).toEqual(p);
  });

  it('still cannot file a report (that needs reports:write)', async () => {
    const res = await h.request('GET', '/api/reports/readers', { as: board });
    expect(res.status).toBe(403);
  });
});
