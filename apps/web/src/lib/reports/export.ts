import {
  type ReplyForReader,
  ReportExportLineSchema,
  type ReportForReader,
  type ReportType,
} from '@llamenos/protocol';
import { apiStream } from '../api/index.js';
import { fieldLabel, type LooseReport, typeName } from './payload.js';
import type { ReportsPool } from './pool.js';
import type { Opened } from './seal.js';

/**
 * A readable export of every report (GET /api/reports/export, JSON lines of ciphertext with the
 * caller's own wraps, audited by the server before its first byte), opened in the reports
 * workers and written out in this browser: the server never sees it readable.
 */

export interface ExportedReport {
  id: string;
  type: string | null;
  status: string;
  author: string | null;
  createdAt: string;
  updatedAt: string;
  /** False when the report could not be opened with this admin's key; its content is then empty. */
  opened: boolean;
  title: string;
  body: string;
  category: string | null;
  /** Answers by the field's label in the type's current form (its id for a field since removed). */
  fields: Record<string, unknown>;
  files: { name: string; type: string; size: number }[];
  replies: { author: string | null; createdAt: string; body: string | null }[];
}

/** Reads the export's JSON lines as they arrive; the last line says how many reports there were. */
export async function* exportLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<{ report: ReportForReader; replies: ReplyForReader[] }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let buffered = '';
  let seen = 0;
  let ended: number | null = null;
  const parse = (line: string) => {
    if (!line.trim()) return null;
    const parsed = ReportExportLineSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error('the export has a line this app does not understand');
    if (parsed.data.type === 'end') {
      ended = parsed.data.count;
      return null;
    }
    seen++;
    return parsed.data;
  };
  for (;;) {
    const { value, done } = await reader.read();
    buffered += decoder.decode(value, { stream: !done });
    const lines = buffered.split('\n');
    buffered = done ? '' : (lines.pop() ?? '');
    for (const line of lines) {
      const item = parse(line);
      if (item) yield { report: item.report, replies: item.replies };
    }
    if (done) break;
  }
  // A cut connection must not pass for a complete export.
  if (ended === null || ended !== seen) throw new Error('the export was cut short; try again');
}

/** One report and its replies as an admin reads them, labelled with the current report types. */
export function readableReport(
  report: ReportForReader,
  content: Opened<LooseReport>,
  replies: { reply: ReplyForReader; opened: Opened<string> }[],
  context: { types: readonly ReportType[]; language: string; nameOf: (pubkey: string) => string | null },
): ExportedReport {
  const type = context.types.find((t) => t.id === report.typeId) ?? null;
  const value = content.status === 'ok' ? content.value : null;
  const fields: Record<string, unknown> = {};
  for (const [id, answer] of Object.entries(value?.fields ?? {})) {
    const field = type?.fields.find((f) => f.id === id);
    fields[field ? fieldLabel(field, context.language) : id] = answer;
  }
  return {
    id: report.id,
    type: type ? typeName(type, context.language) : report.typeId,
    status: report.status,
    author: context.nameOf(report.authorPubkey),
    createdAt: report.createdAt,
    updatedAt: report.updatedAt,
    opened: value !== null,
    title: value?.title ?? '',
    body: value?.body ?? '',
    category: value?.category ?? null,
    fields,
    files: (value?.attachments ?? []).map(({ name, type: mime, size }) => ({ name, type: mime, size })),
    replies: replies.map(({ reply, opened }) => ({
      author: context.nameOf(reply.authorPubkey),
      createdAt: reply.createdAt,
      body: opened.status === 'ok' ? opened.value : null,
    })),
  };
}

/** Fetches, opens and labels every report this admin can read. */
export async function collectReports(
  pool: ReportsPool,
  context: Parameters<typeof readableReport>[3],
  onProgress: (count: number) => void,
): Promise<ExportedReport[]> {
  const out: ExportedReport[] = [];
  for await (const { report, replies } of exportLines(await apiStream('/api/reports/export'))) {
    const [content, ...opened] = await pool.open([
      { kind: 'report', ...report },
      ...replies.map((r) => ({ kind: 'reply' as const, ...r })),
    ]);
    out.push(
      readableReport(
        report,
        (content ?? { status: 'failed', reason: 'decrypt' }) as Opened<LooseReport>,
        replies.map((reply, i) => ({
          reply,
          opened: (opened[i] ?? { status: 'failed', reason: 'decrypt' }) as Opened<string>,
        })),
        context,
      ),
    );
    onProgress(out.length);
  }
  return out;
}
