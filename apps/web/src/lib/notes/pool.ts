import type { CustomFieldDefinition, GrantWorkItem } from '@llamenos/protocol';
import { perUnlockedKey, VaultLockedError } from '../key-workers.js';
import { SealedRecordsPool } from '../sealed-records-pool.js';
import type { GrantedWrap, NotesOwnCall, OpenResult, SealedVersion } from './protocol.js';

/**
 * The notes workers (lib/sealed-records-pool.ts). Opening a note is one ECDH (a few
 * milliseconds), so 5,000 notes are spread across cores; search keys are `id:version`.
 */
class NotesPool extends SealedRecordsPool<
  SealedVersion,
  OpenResult,
  GrantWorkItem,
  GrantedWrap,
  NotesOwnCall
> {
  private fieldsSignature: string | null = null;

  constructor(secretKey: Uint8Array, pubkey: string) {
    super(
      'notes',
      () => new Worker(new URL('./notes.worker.ts', import.meta.url), { type: 'module' }),
      secretKey,
      pubkey,
    );
  }

  /** Gets every worker's crypto code compiled before the first note (see the worker's `warm`). */
  async warm(): Promise<void> {
    await this.workers.all({ op: 'warm' });
  }

  /** Decrypted notes are checked against these fields (sent again only when they change). */
  async setFields(fields: CustomFieldDefinition[]): Promise<void> {
    const signature = JSON.stringify(fields);
    if (signature === this.fieldsSignature) return;
    this.fieldsSignature = signature;
    await this.workers.all({ op: 'fields', fields });
  }
}

export type { NotesPool };

/** The notes workers for the unlocked key; VaultLockedError while the vault is locked. */
export const notesPool: () => NotesPool = perUnlockedKey(
  (key, pubkey) => new NotesPool(key, pubkey),
  () => new VaultLockedError('notes'),
);
