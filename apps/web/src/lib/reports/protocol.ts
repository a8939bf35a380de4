import type { LooseReport } from './payload.js';
import type { Opened, SealedForReader } from './seal.js';

/** A report or a reply to open in a reports worker; `id` is the report's or the reply's id. */
export interface SealedItem extends SealedForReader {
  kind: 'report' | 'reply';
  id: string;
}

export type OpenedItem = Opened<LooseReport> | Opened<string>;

/** One wrap made for a new report admin. */
export interface GrantedReportWrap {
  recordId: string;
  wrap: string;
}
