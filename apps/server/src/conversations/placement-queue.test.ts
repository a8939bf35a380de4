import { describe, expect, it } from 'vitest';
import { placementQueue } from './placement-queue.js';

/** A placement the test finishes by hand. */
function controlled() {
  const open: { requests: number[]; finish(): void; fail(error: unknown): void }[] = [];
  const queue = placementQueue<number, string>(2, 3, (requests) => {
    return new Promise((resolve, reject) => {
      open.push({
        requests,
        finish: () =>
          resolve(
            requests.map((r) =>
              r < 0
                ? { status: 'rejected', reason: new Error(`no ${r}`) }
                : { status: 'fulfilled', value: `placed ${r}` },
            ),
          ),
        fail: reject,
      });
    });
  });
  return { queue, open };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('placement queue (first contacts waiting together are placed together)', () => {
  it('two at once; the first contacts waiting meanwhile go in batches of at most `batch`, in order', async () => {
    const { queue, open } = controlled();
    const answers = Array.from({ length: 7 }, (_, i) => queue.batched(i));
    await turn();
    // A quiet line: each starts at once, alone.
    expect(open.map((o) => o.requests)).toEqual([[0], [1]]);
    open[0]?.finish();
    await turn();
    expect(open.map((o) => o.requests)).toEqual([[0], [1], [2, 3, 4]]);
    open[1]?.finish();
    await turn();
    expect(open.map((o) => o.requests)).toEqual([[0], [1], [2, 3, 4], [5, 6]]);
    open[2]?.finish();
    open[3]?.finish();
    expect(await Promise.all(answers)).toEqual(answers.map((_, i) => `placed ${i}`));
  });

  it('a placement that is not batched keeps its place in line and runs alone', async () => {
    const { queue, open } = controlled();
    const first = [queue.batched(0), queue.batched(1)];
    const order: string[] = [];
    const alone = queue.one(async () => {
      order.push('alone');
      return 'seen contact';
    });
    const later = queue.batched(2);
    await turn();
    open[0]?.finish();
    await turn();
    // The one that is not batched went before the first contact behind it.
    expect(order).toEqual(['alone']);
    expect(await alone).toBe('seen contact');
    await turn();
    expect(open.map((o) => o.requests)).toEqual([[0], [1], [2]]);
    open[1]?.finish();
    open[2]?.finish();
    expect(await Promise.all([...first, later])).toEqual(['placed 0', 'placed 1', 'placed 2']);
  });

  it("one placement's failure fails only its own answer; a batch that throws fails each of its own", async () => {
    const { queue, open } = controlled();
    const held = [queue.batched(0), queue.batched(1)];
    const batch = [queue.batched(2), queue.batched(-3), queue.batched(4)];
    const next = [queue.batched(5), queue.batched(6)];
    await turn();
    open[0]?.finish();
    await turn();
    open[2]?.finish();
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await turn();
    open[1]?.finish();
    await turn();
    open[3]?.fail(new Error('database gone'));
    await expect(Promise.all(next)).rejects.toThrow('database gone');
    expect(await Promise.all(held)).toEqual(['placed 0', 'placed 1']);
  });
});
