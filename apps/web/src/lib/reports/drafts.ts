import {
  decryptContent,
  deriveKey,
  encryptContent,
  fromBase64url,
  LABEL_DRAFT_CONTENT,
  LABEL_DRAFT_KEY,
  toBase64url,
  utf8,
} from '@llamenos/crypto';
import { z } from 'zod';
import type { ReportFormValues } from './payload.js';

/**
 * A report being written, kept on this device only until it is filed: a field worker whose
 * page reloads, or whose app locks mid-sentence, finds it again. Encrypted like note drafts
 * (lib/notes/drafts.ts): under a key derived from the member's secret key (LABEL_DRAFT_KEY),
 * bound to `report-draft:<reportId>`, in localStorage, which the panic wipe clears. Chosen
 * files are not kept (only the member can hand the browser a file); they are chosen again.
 */
const PREFIX = 'llamenos.report-draft.';
const recordId = (reportId: string) => `report-draft:${reportId}`;

export interface ReportDraft {
  reportId: string;
  typeId: string | null;
  values: ReportFormValues;
  savedAt: string;
}

const Stored = z.object({ v: z.literal(1), reportId: z.uuid(), savedAt: z.string(), blob: z.string() });
const Content = z.object({
  typeId: z.string().nullable(),
  values: z.object({
    title: z.string(),
    body: z.string(),
    category: z.string(),
    fields: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  }),
});

/** Saves (replaces) the draft of a report not filed yet; false without the member's key. */
export function saveReportDraft(
  secretKey: Uint8Array | null,
  reportId: string,
  typeId: string | null,
  values: ReportFormValues,
  now: Date = new Date(),
): boolean {
  if (!secretKey) return false;
  const key = deriveKey(secretKey, LABEL_DRAFT_KEY);
  try {
    const blob = encryptContent(key, utf8(JSON.stringify({ typeId, values })), {
      label: LABEL_DRAFT_CONTENT,
      recordId: recordId(reportId),
    });
    const stored: z.infer<typeof Stored> = {
      v: 1,
      reportId,
      savedAt: now.toISOString(),
      blob: toBase64url(blob),
    };
    localStorage.setItem(PREFIX + reportId, JSON.stringify(stored));
    return true;
  } finally {
    key.fill(0);
  }
}

function open(raw: string | null, key: Uint8Array): ReportDraft | null {
  try {
    const stored = Stored.parse(JSON.parse(raw ?? ''));
    const plain = decryptContent(key, fromBase64url(stored.blob), {
      label: LABEL_DRAFT_CONTENT,
      recordId: recordId(stored.reportId),
    });
    const content = Content.parse(JSON.parse(new TextDecoder().decode(plain)));
    return { reportId: stored.reportId, savedAt: stored.savedAt, ...content };
  } catch {
    // Another member's draft on a shared device, a damaged or moved one: not ours to show.
    return null;
  }
}

/** The newest unfiled report this member left on this device. */
export function findReportDraft(secretKey: Uint8Array | null): ReportDraft | null {
  if (!secretKey) return null;
  const key = deriveKey(secretKey, LABEL_DRAFT_KEY);
  try {
    const found: ReportDraft[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const name = localStorage.key(i);
      if (!name?.startsWith(PREFIX)) continue;
      const draft = open(localStorage.getItem(name), key);
      // The entry's name must be the id sealed into it, or it is not this draft.
      if (draft && name === PREFIX + draft.reportId) found.push(draft);
    }
    return found.sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0] ?? null;
  } finally {
    key.fill(0);
  }
}

export function deleteReportDraft(reportId: string): void {
  localStorage.removeItem(PREFIX + reportId);
}
