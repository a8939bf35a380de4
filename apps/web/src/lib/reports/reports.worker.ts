/// <reference lib="webworker" />

import { fromHex, toHex } from '@llamenos/crypto';
import type { Reader } from '../sealed-records.js';
import { answerCalls } from '../worker-calls.js';
import { rewrapReportItems } from './grant.js';
import { type LooseReport, reportHaystack, searchable } from './payload.js';
import type { OpenedItem, ReportsReply, ReportsRequest, SealedItem } from './protocol.js';
import { openReply, openReport } from './seal.js';

/**
 * A reports worker: opens reports and replies, searches the opened reports and re-wraps keys
 * for a new report admin, off the UI thread. It holds a copy of the unlocked key and the
 * opened reports for the unlocked session only; the pool ends it when the vault locks.
 */

let reader: Reader | null = null;
let readerHex = '';

interface Cached {
  ciphertext: string;
  wrap: string | null;
  result: OpenedItem;
  haystack: string;
}
/** By report id (reports only: search looks through reports, replies are opened on the report's page). */
const reports = new Map<string, Cached>();

function requireReader(): Reader {
  if (!reader) throw new Error('the reports worker has no key');
  return reader;
}

function open(item: SealedItem): OpenedItem {
  const me = requireReader();
  if (item.kind === 'reply') return openReply(me, readerHex, item);
  const cached = reports.get(item.id);
  if (cached && cached.ciphertext === item.ciphertext && cached.wrap === (item.wrap?.wrap ?? null))
    return cached.result;
  const result = openReport(me, readerHex, item);
  reports.set(item.id, {
    ciphertext: item.ciphertext,
    wrap: item.wrap?.wrap ?? null,
    result,
    haystack: result.status === 'ok' ? reportHaystack(result.value as LooseReport) : '',
  });
  return result;
}

function search(query: string, ids: string[] | null): string[] {
  const terms = searchable(query).split(/\s+/).filter(Boolean);
  const match = (entry: Cached | undefined) =>
    entry !== undefined && entry.result.status === 'ok' && terms.every((t) => entry.haystack.includes(t));
  if (ids) return ids.filter((id) => match(reports.get(id)));
  return [...reports].filter(([, entry]) => match(entry)).map(([id]) => id);
}

function handle(request: ReportsRequest): ReportsReply {
  switch (request.op) {
    case 'init': {
      const publicKey = fromHex(request.publicKey, 32, 'public key');
      reader = { secretKey: request.secretKey, publicKey };
      readerHex = toHex(publicKey);
      reports.clear();
      return { ok: true, done: true };
    }
    case 'open':
      return { ok: true, results: request.items.map(open) };
    case 'search':
      return { ok: true, ids: search(request.query, request.ids) };
    case 'rewrap':
      return { ok: true, ...rewrapReportItems(requireReader(), request.reader, request.items) };
  }
}

answerCalls(handle);
