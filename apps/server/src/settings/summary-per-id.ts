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
