/**
 * The readable reports export reads the server's JSON lines as they arrive (split anywhere,
 * even inside a character), and refuses an export that was cut short or holds a line it does
 * not understand, rather than saving a partial copy as if it were whole.
 */
import { describe, expect, it } from 'vitest';
import { exportLines, readableReport } from '../src/lib/reports/export.js';

const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const report = {
  id: ID,
  typeId: 'incident',
  authorPubkey: 'a'.repeat(64),
  status: 'new',
  assigneeId: null,
  createdAt: '2026-12-04T10:00:00.000Z',
  updatedAt: '2026-12-04T10:00:00.000Z',
  replyCount: 0,
  attachmentCount: 0,
  ciphertext: 'ñandú',
  wrap: null,
};

/** A byte stream of `text` cut into pieces of `size` bytes. */
function streamOf(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const collect = async (stream: ReadableStream<Uint8Array>) => {
  const out = [];
  for await (const item of exportLines(stream)) out.push(item);
  return out;
};

describe('the reports export', () => {
  const line = JSON.stringify({ type: 'report', report, replies: [] });

  it('reads every report, however the bytes are split', async () => {
    const text = `${line}\n${line}\n${JSON.stringify({ type: 'end', count: 2 })}\n`;
    for (const size of [1, 7, 4096]) {
      const items = await collect(streamOf(text, size));
      expect(items.map((i) => i.report.ciphertext)).toEqual(['ñandú', 'ñandú']);
    }
  });

  it('refuses an export cut short (no end line, or a count that does not match)', async () => {
    await expect(collect(streamOf(`${line}\n`, 64))).rejects.toThrow(/cut short/);
    await expect(
      collect(streamOf(`${line}\n${JSON.stringify({ type: 'end', count: 3 })}\n`, 64)),
    ).rejects.toThrow(/cut short/);
  });

  it('refuses a line it does not understand', async () => {
    await expect(collect(streamOf(`{"type":"note"}\n`, 64))).rejects.toThrow(/does not understand/);
  });

  it('labels answers with the current form, and keeps an unopened report’s place without content', () => {
    const types = [
      {
        id: 'incident',
        name: 'Incident',
        names: { es: 'Incidente' },
        fields: [
          {
            id: 'place',
            label: 'Place',
            labels: { es: 'Lugar' },
            type: 'location' as const,
            required: false,
            order: 0,
          },
        ],
        categories: [],
        archived: false,
      },
    ];
    const opened = readableReport(
      { ...report, status: 'new' },
      {
        status: 'ok',
        value: {
          title: 'T',
          body: 'B',
          category: null,
          fields: { place: 'Square', gone: 1 },
          attachments: [],
        },
      },
      [],
      { types, language: 'es', nameOf: () => 'Rita' },
    );
    expect(opened).toMatchObject({
      type: 'Incidente',
      author: 'Rita',
      opened: true,
      fields: { Lugar: 'Square', gone: 1 },
    });
    const closed = readableReport({ ...report, status: 'new' }, { status: 'failed', reason: 'no-wrap' }, [], {
      types,
      language: 'en',
      nameOf: () => null,
    });
    expect(closed).toMatchObject({ opened: false, title: '', fields: {} });
  });
});
