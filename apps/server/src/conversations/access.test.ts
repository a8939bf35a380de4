import { describe, expect, it } from 'vitest';
import { readersAmong } from './access.js';
import type { MemberWithGrants } from './store.js';

/**
 * Who a message is sealed for (access.ts readersAmong): the grants of each set of roles are
 * worked out once per call (issue 10); the answer must still follow each member's own roles and
 * the custom roles' grants given with them.
 */
describe('readersAmong', () => {
  const custom = { dispatcher: ['conversations:read-all'], helper: ['conversations:read-assigned'] };
  const member = (
    id: string,
    roles: string[],
    grants: Record<string, string[]> = custom,
  ): MemberWithGrants => ({
    id,
    pubkey: `pk-${id}`,
    roles,
    custom: grants,
  });

  it('seals for the assignee who may read assigned conversations, then every reader of all', () => {
    const members = [
      member('a1', ['admin']),
      member('v1', ['volunteer']),
      member('v2', ['volunteer']),
      member('d1', ['dispatcher']),
      member('h1', ['helper']),
      member('r1', ['reporter']),
      member('a2', ['admin']),
    ];
    expect(readersAmong(members, 'v2')).toEqual(['pk-v2', 'pk-a1', 'pk-d1', 'pk-a2']);
    expect(readersAmong(members, 'h1')).toEqual(['pk-h1', 'pk-a1', 'pk-d1', 'pk-a2']);
    // A reporter may not hold conversations: no wrap for them even if assigned.
    expect(readersAmong(members, 'r1')).toEqual(['pk-a1', 'pk-d1', 'pk-a2']);
    expect(readersAmong(members, null)).toEqual(['pk-a1', 'pk-d1', 'pk-a2']);
    // An admin assigned is sealed for once.
    expect(readersAmong(members, 'a2')).toEqual(['pk-a2', 'pk-a1', 'pk-d1']);
  });

  it('reads the custom grants given with each member, not those of the first with the same roles', () => {
    const before = member('d1', ['dispatcher']);
    const after = member('d2', ['dispatcher'], { dispatcher: ['conversations:read-assigned'] });
    expect(readersAmong([before, after], 'd2')).toEqual(['pk-d2', 'pk-d1']);
    expect(readersAmong([after, before], null)).toEqual(['pk-d1']);
  });
});
