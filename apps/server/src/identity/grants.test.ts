import { BUILTIN_ROLES } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { grantsOf } from './lookup.js';

describe('grantsOf', () => {
  it('joins built-in and custom roles, sorted and without repeats', () => {
    const grants = grantsOf(['volunteer', 'triage'], { triage: ['notes:read-all', 'notes:read-all'] });
    expect(grants).toEqual([...new Set([...BUILTIN_ROLES.volunteer.permissions, 'notes:read-all'])].sort());
  });

  it('grants nothing for a role id that is only a name on Object.prototype', () => {
    expect(grantsOf(['constructor', 'toString', '__proto__'], {})).toEqual([]);
  });
});
