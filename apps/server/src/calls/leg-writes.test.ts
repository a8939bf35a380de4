import { describe, expect, it } from 'vitest';
import { GroupCommit } from './leg-writes.js';

/**
 * The group commit behind the legs' writes (leg-writes.ts): a write with none in flight goes at
 * once and alone; writes arriving meanwhile share the next flush, one leg at most once in it;
 * each writer gets its own result, or the flush's error.
 */

interface Item {
  leg: string;
  value: number;
}

function recorder(fail?: (items: Item[]) => boolean) {
  const flushes: Item[][] = [];
  let release: (() => void) | null = null;
  const commit = new GroupCommit<Item, string>(
    async (items) => {
      flushes.push(items);
      // The first flush is held until the test lets it go, so that others queue behind it.
      if (flushes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      if (fail?.(items)) throw new Error('database down');
      return items.map((i) => `${i.leg}=${i.value}`);
    },
    (item) => item.leg,
  );
  return { commit, flushes, release: () => release?.() };
}

describe('GroupCommit', () => {
  it('flushes the first write alone, then everything that arrived meanwhile together', async () => {
    const { commit, flushes, release } = recorder();
    const first = commit.write({ leg: 'a', value: 1 });
    const later = [commit.write({ leg: 'b', value: 2 }), commit.write({ leg: 'c', value: 3 })];
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(flushes).toEqual([[{ leg: 'a', value: 1 }]]);
    release();
    expect(await first).toBe('a=1');
    expect(await Promise.all(later)).toEqual(['b=2', 'c=3']);
    expect(flushes.map((f) => f.map((i) => i.leg))).toEqual([['a'], ['b', 'c']]);
  });

  it('never puts two writes of one leg in one flush, and keeps their order', async () => {
    const { commit, flushes, release } = recorder();
    const first = commit.write({ leg: 'x', value: 0 });
    const ringing = commit.write({ leg: 'a', value: 1 });
    const ended = commit.write({ leg: 'a', value: 2 });
    const other = commit.write({ leg: 'b', value: 3 });
    release();
    await Promise.all([first, ringing, ended, other]);
    expect(flushes.map((f) => f.map((i) => `${i.leg}${i.value}`))).toEqual([['x0'], ['a1', 'b3'], ['a2']]);
  });

  it('rejects every write of a failed flush, and goes on with the next', async () => {
    const { commit, release } = recorder((items) => items.some((i) => i.leg === 'bad'));
    const first = commit.write({ leg: 'x', value: 0 });
    const bad = commit.write({ leg: 'bad', value: 1 });
    const sharing = commit.write({ leg: 'c', value: 2 });
    release();
    expect(await first).toBe('x=0');
    await expect(bad).rejects.toThrow('database down');
    await expect(sharing).rejects.toThrow('database down');
    expect(await commit.write({ leg: 'd', value: 3 })).toBe('d=3');
  });
});

describe('GroupCommit with a linger', () => {
  it('holds a write with none in flight for the others of its burst', async () => {
    const flushes: string[][] = [];
    const commit = new GroupCommit<string, string>(
      async (items) => {
        flushes.push(items);
        return items;
      },
      (item) => item,
      20,
    );
    const burst = [commit.write('a')];
    await new Promise((resolve) => setTimeout(resolve, 5));
    burst.push(commit.write('b'), commit.write('c'));
    expect(flushes).toEqual([]);
    expect(await Promise.all(burst)).toEqual(['a', 'b', 'c']);
    expect(flushes).toEqual([['a', 'b', 'c']]);
  });
});
