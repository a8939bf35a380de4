import { oneRow, type Queryable, returnsRow } from './database.js';

/**
 * A store function that is one statement answering one row or none: its SQL, how the function's
 * arguments bind to $1, $2, … (`bind`), and the row's mapping to the store's type, which may use
 * the arguments too (a reader's wrap is returned with the reader it belongs to). The function
 * takes the database or transaction first, then the arguments `bind` names.
 */
export function rowStatement<A extends unknown[], R, T>(
  sql: string,
  bind: (...args: A) => readonly unknown[],
  map: (row: R, ...args: A) => T,
): (db: Queryable, ...args: A) => Promise<T | null> {
  return (db, ...args) => oneRow(db, sql, bind(...args), (row: R) => map(row, ...args));
}

/** The same for a statement answering any number of rows, each mapped; the function answers them in order. */
export function rowsStatement<A extends unknown[], R, T>(
  sql: string,
  bind: (...args: A) => readonly unknown[],
  map: (row: R, ...args: A) => T,
): (db: Queryable, ...args: A) => Promise<T[]> {
  return async (db, ...args) => (await db.query<R>(sql, bind(...args))).map((row) => map(row, ...args));
}

/** The same for a conditional write that answers whether it took effect (returnsRow). */
export function writeStatement<A extends unknown[]>(
  sql: string,
  bind: (...args: A) => readonly unknown[],
): (db: Queryable, ...args: A) => Promise<boolean> {
  return (db, ...args) => returnsRow(db, sql, bind(...args));
}

/** The same for a statement whose answer the store does not read (an insert that cannot conflict, a delete). */
export function runStatement<A extends unknown[]>(
  sql: string,
  bind: (...args: A) => readonly unknown[],
): (db: Queryable, ...args: A) => Promise<void> {
  return async (db, ...args) => {
    await db.query(sql, bind(...args));
  };
}
