import { fromUtf8, getPublicKey, PURPOSES } from '@llamenos/crypto';
import { z } from 'zod';
import {
  headerBytes,
  jsonLine,
  openSealedLines,
  type SealedExportKind,
  sealExportFile,
  sealedProblem,
} from '../export-file-lines.js';

/**
 * The sealed conversation export file (docs/PROTOCOL.md §10.3): one UTF-8 JSON header line,
 * then the STREAM ciphertext (§10) of the export's JSON lines under a fresh file key wrapped for
 * the exporting admin's own key only. Nothing of the conversation is readable at rest: the
 * header carries the export's id, its date, the reader's public key and the wrap; the
 * conversation, its messages and the contact's last digits are inside the stream.
 *
 * Pure: the secret key is a parameter and nothing here touches the page, so the format is tested
 * in Node (test/conversations-export-file.test.ts) as the browser uses it.
 */

export const CONVERSATION_EXPORT_FORMAT = 'llamenos-conversation-export';
export const CONVERSATION_EXPORT_VERSION = 1;
/** The file name's ending, which the Open export picker offers. */
export const CONVERSATION_EXPORT_EXTENSION = '.llamenos-conversation';
/** Record id of an export's file key wrap and stream. */
export const conversationExportRecordId = (exportId: string) => `conversation-export:${exportId}`;
const CONVERSATION_EXPORT: SealedExportKind = {
  format: CONVERSATION_EXPORT_FORMAT,
  version: CONVERSATION_EXPORT_VERSION,
  recordId: conversationExportRecordId,
  purpose: PURPOSES.conversationExport,
};

const IsoDate = z.string().max(40);
const Uuid = z.string().uuid();

export const ExportedConversationSchema = z
  .object({
    id: Uuid,
    kind: z.enum(['sms', 'whatsapp', 'signal']),
    channel: z.string().max(40),
    status: z.enum(['waiting', 'active', 'closed']),
    /** The contact's last four digits only: the number itself is never in an export. */
    contactLast4: z.string().max(8).nullable(),
    createdAt: IsoDate,
    closedAt: IsoDate.nullable(),
    /** The assignee at export time, by name as the exporting admin saw it (null: nobody). */
    assignee: z.string().max(200).nullable(),
  })
  .strict();
export type ExportedConversation = z.infer<typeof ExportedConversationSchema>;

export const ExportedMessageSchema = z
  .object({
    id: Uuid,
    direction: z.enum(['in', 'out']),
    createdAt: IsoDate,
    delivery: z.string().max(40),
    errorCode: z.string().max(100).nullable(),
    /** Who replied, by name as the exporting admin saw it; null for the contact and automatic replies. */
    author: z.string().max(200).nullable(),
    /** ok: the text as decrypted; failed: the exporting key could not open it (body null). */
    status: z.enum(['ok', 'failed']),
    body: z.string().max(65_536).nullable(),
    /** Attachments are listed (kind and approximate size), their content is not in the file. */
    attachments: z
      .array(
        z
          .object({ contentType: z.string().max(100).nullable(), sizeBucket: z.number().int().nullable() })
          .strict(),
      )
      .max(20),
  })
  .strict();
export type ExportedMessage = z.infer<typeof ExportedMessageSchema>;

/** A conversation as exported: what the file holds once opened. */
export interface ConversationExport {
  exportId: string;
  exportedAt: string;
  conversation: ExportedConversation;
  messages: ExportedMessage[];
}

const HeaderSchema = z
  .object({
    format: z.literal(CONVERSATION_EXPORT_FORMAT),
    version: z.number().int(),
    exportId: Uuid,
    createdAt: IsoDate,
    /** x-only public key (hex) of the one reader: the admin who exported. */
    reader: z.string().regex(/^[0-9a-f]{64}$/),
    /** base64url of the file key wrapped for `reader`. */
    wrap: z.string().max(200),
  })
  .strict();
type Header = z.infer<typeof HeaderSchema>;

const PlainLineSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('export'),
      format: z.literal('llamenos-conversation'),
      version: z.literal(1),
      exportId: Uuid,
      exportedAt: IsoDate,
      conversation: ExportedConversationSchema,
    })
    .strict(),
  z.object({ type: z.literal('message'), message: ExportedMessageSchema }).strict(),
  z.object({ type: z.literal('end'), count: z.number().int().nonnegative() }).strict(),
]);
type PlainLine = z.infer<typeof PlainLineSchema>;

/** Why an export file could not be opened; each reason has its own sentence in the UI. */
export type ConversationExportProblem = 'not-export' | 'unsupported' | 'other-key' | 'altered' | 'truncated';
export class ConversationExportError extends Error {
  constructor(
    readonly problem: ConversationExportProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ConversationExportError';
  }
}

/**
 * Seals an export for the holder of `secretKey` alone: a fresh file key, wrapped for that key
 * (PURPOSES.conversationExport.wrap), and the JSON lines encrypted with the STREAM format
 * (PURPOSES.conversationExport.content), both under the record id conversation-export:<exportId>.
 */
export async function sealConversationExport(
  content: Omit<ConversationExport, 'exportId'>,
  secretKey: Uint8Array,
  exportId: string = crypto.randomUUID(),
): Promise<Blob> {
  return sealExportFile(CONVERSATION_EXPORT, secretKey, exportId, content.exportedAt, async (write) => {
    await write(
      jsonLine({
        type: 'export',
        format: 'llamenos-conversation',
        version: 1,
        exportId,
        exportedAt: content.exportedAt,
        conversation: content.conversation,
      } satisfies PlainLine),
    );
    for (const message of content.messages)
      await write(jsonLine({ type: 'message', message } satisfies PlainLine));
    await write(jsonLine({ type: 'end', count: content.messages.length } satisfies PlainLine));
  });
}

function cryptoProblem(error: unknown): never {
  const problem = sealedProblem(error);
  if (problem) throw new ConversationExportError(problem, (error as Error).message);
  throw error;
}

/** The header line, checked: the format, then the version, then every field. */
function readHeader(start: Uint8Array): { header: Header; length: number } {
  const newline = start.indexOf(0x0a);
  if (newline < 0) throw new ConversationExportError('not-export', 'no header line');
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(start.subarray(0, newline)));
  } catch {
    throw new ConversationExportError('not-export', 'the file does not start with an export header');
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== CONVERSATION_EXPORT_FORMAT)
    throw new ConversationExportError('not-export', 'not a conversation export file');
  const version = (raw as { version?: unknown }).version;
  if (version !== CONVERSATION_EXPORT_VERSION)
    throw new ConversationExportError('unsupported', `conversation export version ${String(version)}`);
  const header = HeaderSchema.safeParse(raw);
  if (!header.success) throw new ConversationExportError('not-export', 'incomplete export header');
  return { header: header.data, length: newline };
}

/** A decrypted line, parsed against the line schema. */
function parseLine(raw: string): PlainLine {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConversationExportError('altered', 'a line of the export is not JSON');
  }
  const line = PlainLineSchema.safeParse(json);
  if (!line.success) throw new ConversationExportError('altered', 'a line of the export is not as written');
  return line.data;
}

/**
 * Opens an export with `secretKey`: the header must name this key as its reader, the wrap must
 * open, every chunk must authenticate up to the final one, and the content must start with the
 * export line of the same id and end with the count of its messages. Nothing is returned from a
 * file that fails any of these.
 */
export async function openConversationExport(file: Blob, secretKey: Uint8Array): Promise<ConversationExport> {
  const start = await headerBytes(file);
  const { header, length } = readHeader(start);
  if (header.reader !== getPublicKey(secretKey))
    throw new ConversationExportError('other-key', 'this file was sealed for another key');
  let intro: Extract<PlainLine, { type: 'export' }> | null = null;
  let end: number | null = null;
  const messages: ExportedMessage[] = [];
  try {
    await openSealedLines(file, length + 1, CONVERSATION_EXPORT, header, secretKey, (raw) => {
      const line = parseLine(raw);
      if (end !== null) throw new ConversationExportError('altered', 'data after the closing line');
      if (line.type === 'export') {
        if (intro) throw new ConversationExportError('altered', 'two export lines');
        intro = line;
      } else if (!intro) throw new ConversationExportError('altered', 'the export line is not first');
      else if (line.type === 'message') messages.push(line.message);
      else end = line.count;
    });
  } catch (error) {
    if (error instanceof ConversationExportError) throw error;
    if (error instanceof TypeError) throw new ConversationExportError('altered', 'the content is not UTF-8');
    return cryptoProblem(error);
  }
  const opened = intro as Extract<PlainLine, { type: 'export' }> | null;
  if (!opened || opened.exportId !== header.exportId || end !== messages.length)
    throw new ConversationExportError('altered', 'the export content does not match its header or count');
  return {
    exportId: opened.exportId,
    exportedAt: opened.exportedAt,
    conversation: opened.conversation,
    messages,
  };
}
