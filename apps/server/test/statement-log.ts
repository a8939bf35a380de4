/**
 * A database (or transaction) that tells `record` of every statement it runs, as "db: <sql>" or,
 * inside a transaction, "tx: <sql>" (whitespace folded, the first 60 characters): how the
 * statements tests pin what a path costs the database. `transaction`, if given, hears each
 * transaction asked for begin (before it waits for a connection) and end.
 */
export function recordingStatements<T extends object>(
  target: T,
  record: (line: string) => void,
  transaction?: { begin(): void; end(): void },
  where: 'db' | 'tx' = 'db',
): T {
  return new Proxy(target, {
    get(object, prop) {
      const value = Reflect.get(object, prop, object);
      if (prop === 'query')
        return (sql: string, params?: readonly unknown[], options?: unknown) => {
          record(`${where}: ${sql.replace(/\s+/g, ' ').trim().slice(0, 60)}`);
          return (value as (...a: unknown[]) => unknown).call(object, sql, params, options);
        };
      if (prop === 'transaction')
        return async (fn: (tx: object) => unknown) => {
          transaction?.begin();
          try {
            return await (value as (f: (tx: object) => unknown) => unknown).call(object, (tx: object) =>
              fn(recordingStatements(tx, record, undefined, 'tx')),
            );
          } finally {
            transaction?.end();
          }
        };
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
