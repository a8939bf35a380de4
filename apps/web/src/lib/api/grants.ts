/**
 * The paths of the grant routes notes and reports share: how far a new reader's grant is, and
 * the next batch of records to wrap for them (after the last one done).
 */
type GrantedRecords = 'notes' | 'reports';

export const grantStatusPath = (records: GrantedRecords, reader: string) =>
  `/api/${records}/grant-status?reader=${reader}`;

export const grantWorkPath = (records: GrantedRecords, reader: string, after: string | null, limit: number) =>
  `/api/${records}/grant-work?reader=${reader}&limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`;
