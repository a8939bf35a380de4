import {
  CryptoError,
  decryptContent,
  encryptContent,
  fromBase64url,
  LABEL_SERVER_FIELD,
  toBase64url,
} from '@llamenos/crypto';
import { z } from 'zod';
import { BackupError } from './errors.js';

/**
 * The encrypted form of a backup file (./format.ts), used by scheduled backups: a backup sitting
 * in DATA_DIR/backups, or copied off the machine, reveals nothing without SERVER_SECRET.
 *
 *   line 1    {"format":"llamenos-backup-sealed","version":1,"run":"<run id>","createdAt":"…"}
 *   lines 2…  "c <base64url>"  a sealed chunk of the plain backup's bytes
 *   last      "e <base64url>"  the final sealed chunk (possibly empty)
 *
 * Each chunk (1 MiB of plain text, the last one shorter) is Section 7 content under the server
 * settings key with LABEL_SERVER_FIELD (docs/PROTOCOL.md, Section 16) and the record id
 * `backup_runs/<run id>/file/<index>`, with `/end` appended for the final chunk. So chunks cannot
 * be reordered, dropped, moved between files, and a file cut short lacks its end.
 */
export const SEALED_FORMAT = 'llamenos-backup-sealed';
const SEALED_VERSION = 1;
const CHUNK_BYTES = 1 << 20;

export const SealedHeader = z
  .object({
    format: z.literal(SEALED_FORMAT),
    version: z.literal(SEALED_VERSION),
    run: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
    createdAt: z.iso.datetime(),
  })
  .strict();
type SealedHeader = z.infer<typeof SealedHeader>;

const recordId = (run: string, index: number, last: boolean) =>
  `backup_runs/${run}/file/${index}${last ? '/end' : ''}`;

/** Turns the plain backup's text, pushed in pieces, into the sealed file's lines. */
export class BackupSealer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;

  constructor(
    private readonly key: Uint8Array,
    private readonly run: string,
    private readonly write: (text: string) => Promise<void>,
  ) {}

  header(createdAt: string): Promise<void> {
    const header: SealedHeader = { format: SEALED_FORMAT, version: SEALED_VERSION, run: this.run, createdAt };
    return this.write(`${JSON.stringify(header)}\n`);
  }

  async push(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    let out = '';
    while (this.pendingBytes >= CHUNK_BYTES) {
      const all = Buffer.concat(this.pending);
      out += this.line(all.subarray(0, CHUNK_BYTES), false);
      this.pending = [all.subarray(CHUNK_BYTES)];
      this.pendingBytes = all.length - CHUNK_BYTES;
    }
    if (out) await this.write(out);
  }

  async end(): Promise<void> {
    await this.write(this.line(Buffer.concat(this.pending), true));
    this.pending = [];
    this.pendingBytes = 0;
  }

  private line(chunk: Uint8Array, last: boolean): string {
    const sealed = encryptContent(this.key, chunk, {
      label: LABEL_SERVER_FIELD,
      recordId: recordId(this.run, this.index++, last),
    });
    return `${last ? 'e' : 'c'} ${toBase64url(sealed)}\n`;
  }
}

/** The sealed header when `firstLine` is one, else null (a plain backup). */
export function sealedHeaderOf(firstLine: string): SealedHeader | null {
  if (!firstLine.includes(SEALED_FORMAT)) return null;
  let value: unknown;
  try {
    value = JSON.parse(firstLine);
  } catch {
    return null;
  }
  const parsed = SealedHeader.safeParse(value);
  if (!parsed.success) throw new BackupError('the encrypted backup has a malformed header');
  return parsed.data;
}

/** The plain backup's lines, from the sealed file's lines after its header. */
export async function* openSealedLines(
  sealedLines: AsyncIterable<string>,
  header: SealedHeader,
  key: Uint8Array,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let index = 0;
  let ended = false;
  let rest = '';
  for await (const line of sealedLines) {
    if (ended) throw new BackupError('the encrypted backup continues after its final chunk: it is corrupted');
    const kind = line.slice(0, 2);
    if (kind !== 'c ' && kind !== 'e ')
      throw new BackupError(`line ${index + 2} of the encrypted backup is not a sealed chunk`);
    ended = kind === 'e ';
    let plain: Uint8Array;
    try {
      plain = decryptContent(key, fromBase64url(line.slice(2)), {
        label: LABEL_SERVER_FIELD,
        recordId: recordId(header.run, index, ended),
      });
    } catch (error) {
      if (!(error instanceof CryptoError) && !(error instanceof TypeError)) throw error;
      throw new BackupError(
        `chunk ${index + 1} of the encrypted backup does not decrypt: a different SERVER_SECRET, or the file was altered`,
      );
    }
    index++;
    rest += decoder.decode(plain, { stream: !ended });
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) yield part;
  }
  if (!ended) throw new BackupError('the encrypted backup ends without its final chunk: it is truncated');
  if (rest) yield rest;
}
