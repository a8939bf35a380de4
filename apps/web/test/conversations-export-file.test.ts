/**
 * The sealed conversation export file (docs/PROTOCOL.md §10.3): it opens only with the exporting
 * key and gives back exactly what was sealed; a file written from the protocol text alone (the
 * crypto package's primitives, not this module) opens too; every alteration, cut or mismatch
 * is an error with its reason, never a partial transcript.
 */
import {
  encryptStream,
  generateSecretKey,
  getPublicKey,
  LABEL_CONVERSATION_EXPORT_CONTENT,
  LABEL_CONVERSATION_EXPORT_KEY_WRAP,
  secureRandom,
  toBase64url,
  utf8,
  wrapKey,
} from '@llamenos/crypto';
import { describe, expect, it } from 'vitest';
import {
  type ConversationExport,
  ConversationExportError,
  openConversationExport,
  sealConversationExport,
} from '../src/lib/conversations/export-file.js';

const admin = generateSecretKey();
const otherAdmin = generateSecretKey();
const EXPORT_ID = '6f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b';

const content: Omit<ConversationExport, 'exportId'> = {
  exportedAt: '2026-12-05T01:00:00.000Z',
  conversation: {
    id: '0b9e7c1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d',
    kind: 'sms',
    channel: 'twilio-sms',
    status: 'active',
    contactLast4: '4477',
    createdAt: '2026-12-04T22:00:00.000Z',
    closedAt: null,
    assignee: 'Ana',
  },
  messages: [
    {
      id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
      direction: 'in',
      createdAt: '2026-12-04T22:00:00.000Z',
      delivery: 'received',
      errorCode: null,
      author: null,
      status: 'ok',
      body: 'I need to talk to someone — ¿hay alguien? هل من أحد',
      attachments: [{ contentType: 'image/jpeg', sizeBucket: 65_536 }],
    },
    {
      id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
      direction: 'out',
      createdAt: '2026-12-04T22:01:00.000Z',
      delivery: 'delivered',
      errorCode: null,
      author: 'Ana',
      status: 'ok',
      body: 'I am here. Are you safe right now?',
      attachments: [],
    },
    {
      id: '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f',
      direction: 'in',
      createdAt: '2026-12-04T22:02:00.000Z',
      delivery: 'received',
      errorCode: null,
      author: null,
      status: 'failed',
      body: null,
      attachments: [],
    },
  ],
};

const bytesOf = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer());
const problemOf = async (file: Blob, key = admin) =>
  openConversationExport(file, key).then(
    () => 'opened',
    (error: unknown) =>
      error instanceof ConversationExportError ? error.problem : `other: ${String(error)}`,
  );

/** A file made from the protocol text with the crypto primitives only, as another team would. */
async function fileFromSpec(lines: unknown[], header: Record<string, unknown> = {}): Promise<Blob> {
  const recordId = `conversation-export:${EXPORT_ID}`;
  const fileKey = secureRandom(32);
  const reader = getPublicKey(admin);
  const head = {
    format: 'llamenos-conversation-export',
    version: 1,
    exportId: EXPORT_ID,
    createdAt: content.exportedAt,
    reader,
    wrap: toBase64url(wrapKey(fileKey, reader, { label: LABEL_CONVERSATION_EXPORT_KEY_WRAP, recordId })),
    ...header,
  };
  const sealer = encryptStream(fileKey, { label: LABEL_CONVERSATION_EXPORT_CONTENT, recordId });
  const out = new Response(sealer.readable).arrayBuffer();
  const writer = sealer.writable.getWriter();
  await writer.write(utf8(lines.map((l) => `${JSON.stringify(l)}\n`).join('')));
  await writer.close();
  return new Blob([`${JSON.stringify(head)}\n`, await out]);
}
const intro = {
  type: 'export',
  format: 'llamenos-conversation',
  version: 1,
  exportId: EXPORT_ID,
  exportedAt: content.exportedAt,
  conversation: content.conversation,
};

describe('conversation export file', () => {
  it('round trip: opens with the exporting key to exactly what was sealed', async () => {
    const file = await sealConversationExport(content, admin, EXPORT_ID);
    expect(await openConversationExport(file, admin)).toEqual({ ...content, exportId: EXPORT_ID });
  });

  it('keeps nothing of the conversation readable at rest: only the header is plaintext', async () => {
    const file = await bytesOf(await sealConversationExport(content, admin, EXPORT_ID));
    const newline = file.indexOf(0x0a);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(0, newline)));
    expect(Object.keys(header).sort()).toEqual([
      'createdAt',
      'exportId',
      'format',
      'reader',
      'version',
      'wrap',
    ]);
    expect(header.reader).toBe(getPublicKey(admin));
    const text = new TextDecoder('utf-8', { fatal: false }).decode(file);
    for (const secret of ['4477', 'Ana', 'safe', 'twilio', content.conversation.id, content.messages[0]!.id])
      expect(text).not.toContain(secret);
    // The stream starts with its version byte right after the header line.
    expect(file[newline + 1]).toBe(0x01);
  });

  it('opens a file written from the protocol text alone', async () => {
    const lines = [
      intro,
      ...content.messages.map((message) => ({ type: 'message', message })),
      { type: 'end', count: 3 },
    ];
    expect(await openConversationExport(await fileFromSpec(lines), admin)).toEqual({
      ...content,
      exportId: EXPORT_ID,
    });
  });

  it('refuses another key, and says so before trying anything', async () => {
    const file = await sealConversationExport(content, admin, EXPORT_ID);
    expect(await problemOf(file, otherAdmin)).toBe('other-key');
  });

  it('tamper → error: a flipped bit anywhere in the stream, the header or its wrap', async () => {
    const file = await bytesOf(await sealConversationExport(content, admin, EXPORT_ID));
    const newline = file.indexOf(0x0a);
    // Every 97th byte of the ciphertext (all inside the single final chunk: reported as truncated
    // or altered, never opened).
    for (let at = newline + 1; at < file.length; at += 97) {
      const bent = file.slice();
      bent[at]! ^= 0x01;
      expect(['altered', 'truncated', 'unsupported']).toContain(await problemOf(new Blob([bent])));
    }
    const header = JSON.parse(new TextDecoder().decode(file.subarray(0, newline)));
    const rest = file.subarray(newline);
    const withHeader = (h: object) => new Blob([JSON.stringify(h), rest]);
    // Another export id: the wrap's record id no longer matches.
    expect(await problemOf(withHeader({ ...header, exportId: '7f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' }))).toBe(
      'altered',
    );
    const wrap = header.wrap as string;
    const bentWrap = `${wrap.slice(0, 40)}${wrap[40] === 'A' ? 'B' : 'A'}${wrap.slice(41)}`;
    expect(await problemOf(withHeader({ ...header, wrap: bentWrap }))).toBe('altered');
  });

  it('a cut file is truncated, never a shorter transcript', async () => {
    const file = await bytesOf(await sealConversationExport(content, admin, EXPORT_ID));
    for (const cut of [1, 16, 100])
      expect(await problemOf(new Blob([file.subarray(0, file.length - cut)]))).toBe('truncated');
  });

  it('not an export, or a version this client does not know', async () => {
    expect(await problemOf(new Blob(['hello\n']))).toBe('not-export');
    expect(await problemOf(new Blob(['{"format":"llamenos-notes-export","version":2}\n']))).toBe(
      'not-export',
    );
    expect(await problemOf(await fileFromSpec([intro, { type: 'end', count: 0 }], { version: 2 }))).toBe(
      'unsupported',
    );
  });

  it('content that does not match its header or count is altered', async () => {
    const msg = { type: 'message', message: content.messages[1] };
    const cases: unknown[][] = [
      [intro, msg, { type: 'end', count: 2 }], // wrong count
      [intro, msg], // no closing line
      [msg, intro, { type: 'end', count: 1 }], // export line not first
      [
        { ...intro, exportId: '7f1c2a4e-8b3d-4e5f-9a7b-1c2d3e4f5a6b' },
        { type: 'end', count: 0 },
      ], // another id
      [intro, { type: 'end', count: 0 }, msg], // data after the end
      [
        intro,
        { type: 'message', message: { ...content.messages[1], phone: '+15550104477' } },
        { type: 'end', count: 1 },
      ],
    ];
    for (const lines of cases) expect(await problemOf(await fileFromSpec(lines))).toBe('altered');
    expect(await problemOf(await fileFromSpec([intro, msg, { type: 'end', count: 1 }]))).toBe('opened');
  });
});
