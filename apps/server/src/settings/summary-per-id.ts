/**
 * One summary for every id a sealed configuration is kept under (a telephony provider, a
 * messaging channel), configured or not: `summarize` gets the row whose `idField` is the id, or
 * undefined when none is stored.
 */
export function summaryPerId<K extends string, Row, S>(
  ids: readonly K[],
  rows: readonly Row[],
  idField: keyof Row,
  summarize: (id: K, row: Row | undefined) => S,
): Record<K, S> {
  const byId = new Map<unknown, Row>(rows.map((row) => [row[idField], row]));
  return Object.fromEntries(ids.map((id) => [id, summarize(id, byId.get(id))])) as Record<K, S>;
}

/**
 * A stored row's summary: what the row itself says (`base`), then either its opened configuration
 * as `fieldsOf` shows it (each kind masks its secrets by its own rule) with readable: true, or,
 * when `open` throws, readable: false and no fields, with what `unreadable` adds (it rethrows an
 * error that is not an unreadable row). So one unreadable row never fails a whole list.
 */
export function openedSummary<B extends object, C, F extends Record<string, unknown>>(
  base: B,
  open: () => C,
  fieldsOf: (opened: C) => F,
  unreadable: (error: unknown) => object = () => ({}),
): B & { readable: boolean; fields: F | Record<string, never> } {
  let opened: C;
  try {
    opened = open();
  } catch (error) {
    return { ...base, readable: false, ...unreadable(error), fields: {} };
  }
  return { ...base, readable: true, fields: fieldsOf(opened) };
}
