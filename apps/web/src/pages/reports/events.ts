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
 * Calls `changed` whenever a report may have changed: a report hub event (ids only, so the reader
 * re-reads through the API, which checks permissions) or a gap in the connection. Returns the
 * unsubscribe.
 */
export function onReportsChanged(changed: () => void): () => void {
  const offs = [
    onHubEvent('report:new', changed),
    onHubEvent('report:updated', changed),
    onHubEvent('report:reply', changed),
    onResync(changed),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Report changes make the reports' queries stale, so the open pages re-read them. */
export function useReportEvents() {
  const client = useQueryClient();
  useEffect(() => onReportsChanged(() => void rereadReports(client)), [client]);
}
