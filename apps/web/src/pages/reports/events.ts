import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { reportKeys } from '../../lib/queries/reports.js';
import { onHubEvent, onResync } from '../../lib/realtime/index.js';

/**
 * Reads the reports' queries under `queryKey` again. A first read still in flight (no data yet)
 * takes the refresh into itself (the query library joins the two), and it may have fetched the
 * report before the change: once it has ended, it is read once more. Seen: a report page opened
 * as its upload ran read the report before the last chunk's answer and was still decrypting it
 * when the report's "updated" event came, so it kept saying the file was not finished. (Not by
 * cancelling that read: events coming faster than a read ends would then never let it end.)
 */
export async function rereadReports(client: QueryClient, queryKey: QueryKey = reportKeys.all): Promise<void> {
  const firstReads = client
    .getQueryCache()
    .findAll({
      queryKey,
      predicate: (q) => q.state.data === undefined && q.state.fetchStatus === 'fetching',
    });
  await client.invalidateQueries({ queryKey });
  for (const query of firstReads)
    if (query.state.data !== undefined)
      await client.invalidateQueries({ queryKey: query.queryKey, exact: true });
}

/**
 * Report hub events (ids only) make the reports' reads stale; the page re-reads through the
 * API, which checks permissions. After a gap in the connection everything is re-read.
 */
export function useReportEvents() {
  const client = useQueryClient();
  useEffect(() => {
    const stale = () => void rereadReports(client);
    const offs = [
      onHubEvent('report:new', stale),
      onHubEvent('report:updated', stale),
      onHubEvent('report:reply', stale),
      onResync(stale),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client]);
}
