/**
 * The placements of one process (ingest.ts), at most `limit` transactions at once, first come
 * first served. Placements queue behind the assignment lock anyway; each one waiting there holds
 * a pool connection, so a burst of first contacts would take every connection and stall the
 * texts to held conversations behind them. Waiting here they hold none (ingest.ts says how many
 * run at once: PLACEMENTS_AT_ONCE).
 *
 * First contacts that wait together are placed together: when a transaction can start and the
 * line begins with first contacts, up to `batch` of them go into one transaction (one insert, the
 * lock taken once, one commit) instead of one transaction each (issue 10: the storm's first 2 s,
 * 400 new contacts at 200/s). A quiet line still starts each at once, alone.
 */
export interface PlacementQueue<R, P> {
  /** Runs `work` (a placement that is not batched) in its turn. */
  one<T>(work: () => Promise<T>): Promise<T>;
  /** Places `request` in its turn, with the first contacts waiting beside it. */
  batched(request: R): Promise<P>;
}

type Waiting<R, P> =
  | { kind: 'one'; run: () => Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void }
  | { kind: 'batched'; request: R; resolve(value: P): void; reject(error: unknown): void };

/**
 * `placeBatch` answers each request of a batch in order, a failure of one not failing the others
 * (ingest.ts places them again one by one when their transaction fails).
 */
export function placementQueue<R, P>(
  limit: number,
  batch: number,
  placeBatch: (requests: R[]) => Promise<PromiseSettledResult<P>[]>,
): PlacementQueue<R, P> {
  let running = 0;
  const line: Waiting<R, P>[] = [];
  const pump = () => {
    while (running < limit && line.length) {
      const head = line[0] as Waiting<R, P>;
      let work: Promise<unknown>;
      if (head.kind === 'one') {
        line.shift();
        work = head.run().then(head.resolve, head.reject);
      } else {
        let n = 0;
        while (n < batch && n < line.length && line[n]?.kind === 'batched') n += 1;
        const taken = line.splice(0, n) as Extract<Waiting<R, P>, { kind: 'batched' }>[];
        work = placeBatch(taken.map((w) => w.request)).then(
          (outcomes) =>
            taken.forEach((w, i) => {
              const outcome = outcomes[i];
              if (outcome?.status === 'fulfilled') w.resolve(outcome.value);
              else w.reject(outcome ? outcome.reason : new Error('a placement was not answered'));
            }),
          (error: unknown) => {
            for (const w of taken) w.reject(error);
          },
        );
      }
      running += 1;
      void work.finally(() => {
        running -= 1;
        pump();
      });
    }
  };
  return {
    one: <T>(run: () => Promise<T>) =>
      new Promise<T>((resolve, reject) => {
        line.push({ kind: 'one', run, resolve: resolve as (value: unknown) => void, reject });
        pump();
      }),
    batched: (request) =>
      new Promise<P>((resolve, reject) => {
        line.push({ kind: 'batched', request, resolve, reject });
        pump();
      }),
  };
}
