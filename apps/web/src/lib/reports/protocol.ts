import type { ReportGrantItem } from '@llamenos/protocol';
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

/** Requests from the UI thread to a reports worker. */
export type ReportsCall =
  | { op: 'init'; secretKey: Uint8Array; publicKey: string }
  | { op: 'open'; items: SealedItem[] }
  | { op: 'search'; query: string; ids: string[] | null }
  | { op: 'rewrap'; reader: string; items: ReportGrantItem[] };

export type ReportsReply =
  | { ok: true; done: true }
  | { ok: true; results: OpenedItem[] }
  | { ok: true; ids: string[] }
  | { ok: true; wraps: GrantedReportWrap[]; failed: number };

export type ReportsRequest = ReportsCall & { id: number };
