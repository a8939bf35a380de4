import { SetupChecklist, type StatsCsvTable, StatsReport } from '@llamenos/protocol';
import { apiStream, request } from './http.js';

/** The admins' dashboards and the first-run checklist. */

/** The period as the server reads it: dates on the hotline's calendar, both included. */
export interface StatsPeriod {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
}

const periodQuery = (p: StatsPeriod) => new URLSearchParams({ from: p.from, to: p.to, bucket: p.bucket });

export const fetchStats = (period: StatsPeriod) =>
  request(StatsReport, 'GET', `/api/stats?${periodQuery(period)}`);

/** One table of the same figures as CSV text (cells already defused against formulas by the server). */
export async function fetchStatsCsv(period: StatsPeriod, table: StatsCsvTable): Promise<string> {
  const query = periodQuery(period);
  query.set('table', table);
  return new Response(await apiStream(`/api/stats/csv?${query}`)).text();
}

export const fetchSetupChecklist = () => request(SetupChecklist, 'GET', '/api/stats/setup');
