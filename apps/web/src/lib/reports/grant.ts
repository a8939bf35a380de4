import { PURPOSES } from '@llamenos/crypto';
import type { ReportGrantItem } from '@llamenos/protocol';
import { type Reader, rewrapOwnWrap } from '../sealed-records.js';
import type { GrantedReportWrap } from './protocol.js';

/**
 * Grant for a new report admin: each record's key (a report, a reply, an attachment's file key)
 * unwrapped with the caller's own wrap and wrapped for the new reader under the same label and
 * record id. The purpose the server names picks the label; a record id that does not fit its
 * purpose is skipped, so a server cannot have a report key wrapped under the attachment label.
 */
export function rewrapReportItems(
  reader: Reader,
  recipient: string,
  items: readonly ReportGrantItem[],
): { wraps: GrantedReportWrap[]; failed: number } {
  const wraps: GrantedReportWrap[] = [];
  let failed = 0;
  for (const item of items) {
    const attachment = item.recordId.startsWith('attachment:');
    if (attachment !== (item.purpose === 'attachment')) {
      failed++;
      continue;
    }
    const label = attachment ? PURPOSES.attachment.wrap : PURPOSES.report.wrap;
    const wrap = rewrapOwnWrap(reader, item.wrap, recipient, { label, recordId: item.recordId });
    if (wrap === null) failed++;
    else wraps.push({ recordId: item.recordId, wrap });
  }
  return { wraps, failed };
}
