import type { ReportGrantItem } from '@llamenos/protocol';
import { type SealedRecordsPool, sealedRecordsPool } from '../sealed-records-pool.js';
import type { GrantedReportWrap, OpenedItem, SealedItem } from './protocol.js';

export type ReportsPool = SealedRecordsPool<SealedItem, OpenedItem, ReportGrantItem, GrantedReportWrap>;

/** The reports workers for the unlocked key: reports and replies opened, reports searched by id. */
export const reportsPool: () => ReportsPool = sealedRecordsPool(
  'reports',
  () => new Worker(new URL('./reports.worker.ts', import.meta.url), { type: 'module' }),
);
