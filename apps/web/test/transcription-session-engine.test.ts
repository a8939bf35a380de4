/**
 * Every transcription of the page (voicemail or call) runs on the engine that the vault's lock
 * ends: a call transcribed on a volunteer's device that never opened a voicemail included.
 */
import { describe, expect, it, vi } from 'vitest';

const listeners: (() => void)[] = [];
let unlocked: Uint8Array | null = new Uint8Array(32);
const dispose = vi.fn();

vi.mock('../src/lib/vault.js', () => ({
  onVaultChange: (listener: () => void) => {
    listeners.push(listener);
    return () => {};
  },
  unlockedSecretKey: () => unlocked,
}));
vi.mock('../src/lib/transcription/engine.js', () => ({
  transcriptionEngine: () => ({ dispose }),
}));

import { sessionEngine } from '../src/lib/transcription/session-engine.js';

describe('the session engine', () => {
  it('is ended when the vault locks, not when it changes while unlocked; it subscribes once', () => {
    sessionEngine();
    sessionEngine();
    expect(listeners).toHaveLength(1);
    for (const l of listeners) l();
    expect(dispose).not.toHaveBeenCalled();
    unlocked = null;
    for (const l of listeners) l();
    expect(dispose).toHaveBeenCalledOnce();
  });
});
