import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { reportKeys } from '../../lib/queries/reports.js';
import { onHubEvent, onResync } from '../../lib/realtime/index.js';

/**
 * Report hub events (ids only) make the reports' reads stale; the page re-reads through the
 * API, which checks permissions. After a gap in the connection everything is re-read.
 */
export function useReportEvents() {
  const client = useQueryClient();
  useEffect(() => {
    const stale = () => void client.invalidateQueries({ queryKey: reportKeys.all });
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
