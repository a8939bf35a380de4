import { describe, expect, it } from 'vitest';
import { CustomFieldDefinition } from '../src/index.js';

const age = { id: 'age', label: 'Age', type: 'number', order: 0 } as const;

describe('CustomFieldDefinition bounds', () => {
  it('a number field may have a minimum and a maximum', () => {
    expect(CustomFieldDefinition.safeParse({ ...age, min: 0, max: 120 }).success).toBe(true);
    expect(CustomFieldDefinition.safeParse({ ...age, min: 0 }).success).toBe(true);
    expect(CustomFieldDefinition.safeParse({ ...age, max: 120 }).success).toBe(true);
    expect(CustomFieldDefinition.safeParse({ ...age, min: 5, max: 5 }).success).toBe(true);
    expect(CustomFieldDefinition.safeParse(age).success).toBe(true);
  });

  it('refuses a minimum above the maximum, at the maximum', () => {
    const result = CustomFieldDefinition.safeParse({ ...age, min: 10, max: 1 });
    expect(result.error?.issues.map((i) => i.path)).toEqual([['max']]);
  });

  it('refuses bounds on fields that are not numbers, and bounds that are not finite numbers', () => {
    const text = { id: 'name', label: 'Name', type: 'text', order: 0 } as const;
    expect(CustomFieldDefinition.safeParse({ ...text, min: 0 }).error?.issues[0]?.path).toEqual(['min']);
    expect(CustomFieldDefinition.safeParse({ ...text, max: 3 }).success).toBe(false);
    expect(CustomFieldDefinition.safeParse({ ...age, min: Number.NEGATIVE_INFINITY }).success).toBe(false);
    expect(CustomFieldDefinition.safeParse({ ...age, max: '3' }).success).toBe(false);
  });
});
