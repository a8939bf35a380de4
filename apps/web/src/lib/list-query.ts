/** Local calendar day → its first instant as an ISO time; `endOfDay` gives the next day's start. */
function dayStart(day: string, endOfDay: boolean): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + (endOfDay ? 1 : 0)).toISOString();
}

/**
 * The path of one page of a newest-first list (GET /api/notes, GET /api/reports): the filters
 * that are set (empty ones left out; `from` and `to` are the member's local days, sent as the
 * instants the first one starts and the last one ends), the page size and the previous page's
 * cursor.
 */
export function listPagePath<Filters extends { [K in keyof Filters]: string }>(
  path: string,
  filters: Filters,
  limit: number,
  cursor: string | null,
): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(filters) as [string, string][]) {
    const set = value.trim();
    if (!set) continue;
    q.set(name, name === 'from' ? dayStart(set, false) : name === 'to' ? dayStart(set, true) : set);
  }
  q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  return `${path}?${q}`;
}

/**
 * One page of a list as its screen asks for it (filters, page size, the previous page's cursor):
 * the list's path built by `pathOf`, read with `fetchPath`.
 */
export const listPageFetcher =
  <Filters, Page>(
    pathOf: (filters: Filters, limit: number, cursor: string | null) => string,
    fetchPath: (path: string, signal?: AbortSignal) => Promise<Page>,
  ) =>
  (filters: Filters, limit: number, cursor: string | null, signal?: AbortSignal): Promise<Page> =>
    fetchPath(pathOf(filters, limit, cursor), signal);
