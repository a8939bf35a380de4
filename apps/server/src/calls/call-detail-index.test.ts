import { afterEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';

/**
 * A call's detail page asks the audit log whether a volunteer answered an ended call
 * (store/call-detail.ts answeredCall): by the entry's target, through an index (audit
 * migration 002), not by reading the whole log, which grows with every action of the hotline.
 */

const hotlines: TestHotline[] = [];
afterEach(async () => {
  for (const h of hotlines.splice(0)) await h.close();
});

describe('the audit log by target', () => {
  it("finds a call's answered entries through the target index", async () => {
    const h = await createTestHotline();
    hotlines.push(h);
    const plan = await h.ctx.db.transaction(async (tx) => {
      // An empty log is cheapest to scan: only whether an index can serve the lookup is asked.
      await tx.query('set local enable_seqscan = off');
      return tx.query<Record<string, string>>(
        `explain select 1 from audit_log where target = $1 and (
           (action = 'calls.answered' and details->>'answeredBy' = $2)
           or (action = 'calls.transferred' and details->>'to' = $2))`,
        ['call:00000000-0000-4000-8000-000000000000', 'someone'],
      );
    });
    expect(plan.map((row) => Object.values(row).join(' ')).join('\n')).toContain('audit_log_target');
  });
});
