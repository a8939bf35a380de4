import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { reportKeys } from '../../lib/queries/reports.js';
import { rereadQueries } from '../../lib/queries/reread.js';
import { onHubEvent, onResync } from '../../lib/realtime/index.js';

/** Reads the reports' queries under `queryKey` again (a first read in flight is read once more). */
export function rereadReports(client: QueryClient, queryKey: QueryKey = reportKeys.all): Promise<void> {
  return rereadQueries(client, queryKey);
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
