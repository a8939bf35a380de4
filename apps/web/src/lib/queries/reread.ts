import type { QueryClient, QueryKey } from '@tanstack/react-query';

/**
 * Reads the queries under `queryKey` again after a change. A first read still in flight (no data
 * yet) takes the refresh into itself (the query library joins the two), and it may have fetched
 * before the change: once it has ended, it is read once more. Seen: a report page opened as its
 * upload ran read the report before the last chunk's answer and was still decrypting it when the
 * report's "updated" event came, so it kept saying the file was not finished. (Not by cancelling
 * that read: events coming faster than a read ends would then never let it end.)
 */
export async function rereadQueries(client: QueryClient, queryKey: QueryKey): Promise<void> {
  const firstReads = client.getQueryCache().findAll({
    queryKey,
    predicate: (q) => q.state.data === undefined && q.state.fetchStatus === 'fetching',
  });
  await client.invalidateQueries({ queryKey });
  for (const query of firstReads)
    if (query.state.data !== undefined)
      await client.invalidateQueries({ queryKey: query.queryKey, exact: true });
}
