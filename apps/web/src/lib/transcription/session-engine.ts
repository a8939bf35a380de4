import { onVaultChange, unlockedSecretKey } from '../vault.js';
import { type TranscriptionEngine, transcriptionEngine } from './engine.js';

/**
 * The engine as every transcription of this page uses it (voicemails and calls alike), ended
 * whenever the vault locks: the worker holds decrypted audio (a voicemail, or the two sides of a
 * call), and none of it outlives the unlocked session. A transcription running then fails; its
 * text could not be stored anyway, since storing needs the signing key the lock removed.
 */
let endsOnLock = false;

export function sessionEngine(): TranscriptionEngine {
  if (!endsOnLock) {
    endsOnLock = true;
    onVaultChange(() => {
      if (!unlockedSecretKey()) transcriptionEngine().dispose();
    });
  }
  return transcriptionEngine();
}
