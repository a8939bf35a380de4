import { oneRow, type Queryable } from '../db/database.js';
import { sealedDocuments } from '../db/sealed-documents.js';

/** One channel's stored configuration: the sealed JSON object and its (published) addresses. */
export interface ChannelConfigRow {
  channel: string;
  sealed: string;
  addresses: string[];
  /** Taken out of service by an admin: kept, but neither receives nor sends. */
  disabled: boolean;
  updatedAt: Date;
  updatedBy: string | null;
}

interface RawRow {
  channel: string;
  sealed: string;
  addresses: string[];
  disabled: boolean;
  updated_at: Date | string;
  updated_by: string | null;
}

const fromRow = (r: RawRow): ChannelConfigRow => ({
  channel: r.channel,
  sealed: r.sealed,
  addresses: r.addresses,
  disabled: r.disabled,
  updatedAt: new Date(r.updated_at),
  updatedBy: r.updated_by,
});

export async function listChannelConfigRows(db: Queryable): Promise<ChannelConfigRow[]> {
  return (await db.query<RawRow>('select * from channel_configs order by channel')).map(fromRow);
}

export async function readChannelConfigRow(db: Queryable, channel: string): Promise<ChannelConfigRow | null> {
  return oneRow(db, 'select * from channel_configs where channel = $1', [channel], fromRow);
}

const documents = sealedDocuments('channel_configs', 'channel', 'addresses');

/** Stores a channel's configuration; a new row is enabled, a stored one keeps its disabled flag. */
export const writeChannelConfigRow = (
  db: Queryable,
  row: Omit<ChannelConfigRow, 'disabled'>,
): Promise<void> => documents.write(db, row.channel, row.addresses, row);

export const deleteChannelConfigRow = (db: Queryable, channel: string): Promise<boolean> =>
  documents.remove(db, channel);

/** Sets the disabled flag of a stored channel; null when nothing is stored for it. */
export async function setChannelDisabledRow(
  db: Queryable,
  channel: string,
  disabled: boolean,
  updatedAt: Date,
  updatedBy: string | null,
): Promise<ChannelConfigRow | null> {
  return oneRow(
    db,
    `update channel_configs set disabled = $2, updated_at = $3, updated_by = $4
     where channel = $1 returning *`,
    [channel, disabled, updatedAt, updatedBy],
    fromRow,
  );
}
