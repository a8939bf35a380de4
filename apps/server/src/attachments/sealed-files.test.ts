import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { decryptBuffer, PURPOSES } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { DomainError } from '../domain/errors.js';
import {
  MAX_CONVERSATION_MEDIA_BYTES,
  readSealedFile,
  removeSealedFiles,
  SealedFileTooLarge,
  storeSealedFile,
} from './sealed-files.js';

/**
 * The sealed-file service that report attachments and conversation media share: what the server
 * seals goes to the blob store within its owner kind's limit or not at all, and reads back as
 * stored. Who may read a file is the attachment service's (media.test.ts, attachments.test.ts).
 */
describe('sealed files', () => {
  let h: TestHotline;
  const key = new Uint8Array(32).fill(9);
  const recordId = `attachment:${randomUUID()}`;
  const owner = { kind: 'conversation', conversationId: randomUUID() } as const;

  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  /** `total` bytes of 7s in pieces of `piece`, made as they are read. */
  const streamOf = (total: number, piece = 1024 * 1024) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        const n = Math.min(piece, total - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n).fill(7));
      },
    });
  };
  const files = async () => (await readdir(h.ctx.blobs.dir).catch(() => [] as string[])).sort();

  it('seals and stores a conversation file, counting its plaintext', async () => {
    const stored = await storeSealedFile(h.ctx, owner, streamOf(3000, 1000), key, recordId);
    expect(stored.size).toBe(3000);
    const file = await h.ctx.blobs.read(stored.blobId);
    const sealed = new Uint8Array(await new Response(file!.stream).arrayBuffer());
    const plain = decryptBuffer(key, sealed, { label: PURPOSES.attachment.content, recordId });
    expect(plain).toEqual(new Uint8Array(3000).fill(7));
    await removeSealedFiles(h.ctx, { blobIds: [stored.blobId] });
    expect(await h.ctx.blobs.read(stored.blobId)).toBeNull();
  });

  it('refuses a conversation file past its limit while it streams, and keeps nothing of it', async () => {
    const before = await files();
    await expect(
      storeSealedFile(h.ctx, owner, streamOf(MAX_CONVERSATION_MEDIA_BYTES + 1), key, recordId),
    ).rejects.toBeInstanceOf(SealedFileTooLarge);
    expect(await files()).toEqual(before);
  });

  it('reads a stored file back as stored, and answers 410 once it is gone from the store', async () => {
    const stored = await storeSealedFile(h.ctx, owner, streamOf(10), key, recordId);
    const file = await readSealedFile(h.ctx, stored.blobId);
    const sealed = new Uint8Array(await new Response(file.stream).arrayBuffer());
    expect(sealed.length).toBe(file.size);
    await removeSealedFiles(h.ctx, { blobIds: [stored.blobId] });
    const refused = await readSealedFile(h.ctx, stored.blobId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).kind).toBe('gone');
  });
});
