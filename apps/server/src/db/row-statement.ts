import { oneRow, type Queryable } from './database.js';

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
