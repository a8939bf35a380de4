/*
 * The sealed part of a report reply's or a transcript's row as its reader receives it (the
 * protocol's ReplyForReader, TranscriptForReader): who wrote it, when, the ciphertext, and the
 * reader's own wrap of its key (null when the store holds none for them).
 */

/** The columns every such row carries, `wrap` from the left join on the reader's wrap. */
export interface SealedColumns {
  author_pubkey: string;
  created_at: Date | string;
  ciphertext: string;
  wrap: string | null;
}

/** Those columns as the reader receives them; spread last into the record's own fields. */
export const sealedForReader = (r: SealedColumns, reader: string) => ({
  authorPubkey: r.author_pubkey,
  createdAt: new Date(r.created_at).toISOString(),
  ciphertext: r.ciphertext,
  wrap: r.wrap === null ? null : { reader, wrap: r.wrap },
});
