import { type Queryable, returnsRow } from './database.js';

/** What an admin's save writes to a sealed-document table beside the row's name and published list. */
export interface SealedDocumentWrite {
  sealed: string;
  updatedAt: Date;
  updatedBy: string | null;
}

/**
 * A table of sealed documents, one row per name: the sealed JSON object and a clear copy of what
 * it publishes (channel_configs: a channel's addresses; provider_credentials: a provider's phone
 * numbers). An admin saves a document whole and can delete it, so both tables are replaced and
 * deleted by the same statements, which differ only in the table's and columns' names; they are
 * written once here so that the two cannot drift apart.
 */
export function sealedDocuments(table: string, nameColumn: string, publishedColumn: string) {
  const upsert = `insert into ${table} (${nameColumn}, sealed, ${publishedColumn}, updated_at, updated_by)
     values ($1, $2, $3::jsonb, $4, $5)
     on conflict (${nameColumn}) do update set sealed = excluded.sealed, ${publishedColumn} = excluded.${publishedColumn},
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`;
  const remove = `delete from ${table} where ${nameColumn} = $1 returning ${nameColumn}`;
  return {
    /** Inserts or replaces the row of `name` in one statement (other columns of a stored row are kept). */
    async write(db: Queryable, name: string, published: string[], doc: SealedDocumentWrite): Promise<void> {
      await db.query(upsert, [name, doc.sealed, JSON.stringify(published), doc.updatedAt, doc.updatedBy]);
    },
    /** True if a row was deleted. */
    remove: (db: Queryable, name: string): Promise<boolean> => returnsRow(db, remove, [name]),
  };
}
