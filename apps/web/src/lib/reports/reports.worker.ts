/// <reference lib="webworker" />

import type { ReportGrantItem } from '@llamenos/protocol';
import { OpenedRecords, sealedRecordsWorker } from '../sealed-records-worker.js';
import { answerCalls } from '../worker-calls.js';
import { rewrapReportItems } from './grant.js';
import { type LooseReport, reportHaystack } from './payload.js';
import type { GrantedReportWrap, OpenedItem, SealedItem } from './protocol.js';
import { openReply, openReport } from './seal.js';

/**
 * A reports worker: opens reports and replies, searches the opened reports and re-wraps keys
 * for a new report admin, off the UI thread. It holds a copy of the unlocked key and the
 * opened reports for the unlocked session only; the pool ends it when the vault locks.
 */

/** By report id (reports only: search looks through reports, replies are opened on the report's page). */
const reports = new OpenedRecords<{ result: OpenedItem; haystack: string }>();

const worker = sealedRecordsWorker<SealedItem, OpenedItem, ReportGrantItem, GrantedReportWrap>({
  name: 'reports',
  forget: () => reports.clear(),
  open(me, item) {
    if (item.kind === 'reply') return openReply(me, me.publicHex, item);
    const sealed = { ciphertext: item.ciphertext, wrap: item.wrap?.wrap ?? null };
    return reports.get(item.id, sealed, () => {
      const result = openReport(me, me.publicHex, item);
      return { result, haystack: result.status === 'ok' ? reportHaystack(result.value as LooseReport) : '' };
    }).result;
  },
  search: (query, ids) =>
    reports.matching(query, ids, (entry) => (entry.result.status === 'ok' ? entry.haystack : null)),
  rewrap: rewrapReportItems,
});

answerCalls(worker.handle);
