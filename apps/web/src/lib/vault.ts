import {
  CryptoError,
  formatRecoveryKey,
  fromBase64url,
  generateRecoveryKey,
  getPublicKey,
  getPublicKeyBytes,
  inspectPinLock,
  keyIdOf,
  lockWithRecoveryKey,
  parseRecoveryKey,
  toBase64url,
  toHex,
  unlockWithRecoveryKey,
} from '@llamenos/crypto';
import type { VaultCall, VaultResponse } from './vault-protocol.js';

/**
 * The key vault: the member's secret key exists on this device only PIN-locked; unlocked it
 * lives in memory until lock, idle timeout or panic wipe. Failed PIN attempts are counted in
 * storage, so reloading the page does not reset the delay.
 */
const STORAGE_KEY = 'llamenos.vault.v1';
const FREE_ATTEMPTS = 4;
const BASE_DELAY_MS = 30_000;

export interface StoredVault {
  v: 1;
  /** key id (hex) — names the key without storing the public key */
  keyId: string;
  pinLock: string;
  hotline: string;
  failures: number;
  lockedUntil: number;
}

export interface KeyBackup {
  format: 'llamenos-key-backup';
  version: 1;
  hotline: string;
  keyId: string;
  pinLock: string;
  recoveryLock: string;
  createdAt: string;
}

let unlockedKey: Uint8Array | null = null;
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, (r: VaultResponse) => void>();
const listeners = new Set<() => void>();

function vaultWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./vault.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<VaultResponse>) => {
      pending.get(event.data.id)?.(event.data);
      pending.delete(event.data.id);
    };
  }
  return worker;
}

async function inWorker(request: VaultCall): Promise<Uint8Array> {
  const id = nextId++;
  const response = await new Promise<VaultResponse>((resolve) => {
    pending.set(id, resolve);
    vaultWorker().postMessage({ ...request, id });
  });
  if (!response.ok) throw new CryptoError(response.code as CryptoError['code'], response.message);
  return response.bytes;
}

const notify = () => {
  for (const l of listeners) l();
};

export function onVaultChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function readVault(): StoredVault | null {
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as StoredVault;
    inspectPinLock(fromBase64url(parsed.pinLock));
    return parsed;
  } catch {
    return null;
  }
}

function writeVault(vault: StoredVault): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(vault));
}

export const unlockedSecretKey = (): Uint8Array | null => unlockedKey;
export const unlockedPublicKey = (): string | null => (unlockedKey ? getPublicKey(unlockedKey) : null);

/** Stores a new key under a PIN and returns a backup (PIN lock + recovery lock) and the recovery key text. */
export async function createVault(
  secretKey: Uint8Array,
  pin: string,
  hotline: string,
): Promise<{ backup: KeyBackup; recoveryKey: string }> {
  const pinLock = toBase64url(await inWorker({ op: 'lock', secretKey, pin }));
  const recovery = generateRecoveryKey();
  const keyId = toHex(keyIdOf(getPublicKeyBytes(secretKey)));
  writeVault({ v: 1, keyId, pinLock, hotline, failures: 0, lockedUntil: 0 });
  unlockedKey = secretKey;
  notify();
  return {
    recoveryKey: formatRecoveryKey(recovery),
    backup: {
      format: 'llamenos-key-backup',
      version: 1,
      hotline,
      keyId,
      pinLock,
      recoveryLock: toBase64url(lockWithRecoveryKey(secretKey, recovery)),
      createdAt: new Date().toISOString(),
    },
  };
}

export class VaultLockedOut extends Error {
  constructor(readonly retryAt: number) {
    super('too many wrong PINs');
  }
}

/** Unlocks with the PIN; wrong PINs are counted and, after a few, delayed (doubling each time). */
export async function unlockVault(pin: string, now = Date.now()): Promise<Uint8Array> {
  const vault = readVault();
  if (!vault) throw new CryptoError('MALFORMED', 'no key on this device');
  if (vault.lockedUntil > now) throw new VaultLockedOut(vault.lockedUntil);
  try {
    const key = await inWorker({ op: 'unlock', blob: fromBase64url(vault.pinLock), pin });
    writeVault({ ...vault, failures: 0, lockedUntil: 0 });
    unlockedKey = key;
    notify();
    return key;
  } catch (error) {
    if (error instanceof CryptoError && error.code === 'WRONG_PIN') {
      const failures = vault.failures + 1;
      const extra = failures - FREE_ATTEMPTS;
      const lockedUntil = extra > 0 ? now + BASE_DELAY_MS * 2 ** Math.min(extra - 1, 10) : 0;
      writeVault({ ...vault, failures, lockedUntil });
    }
    throw error;
  }
}

/** Forgets the key in memory (the PIN-locked copy stays). */
export function lockVault(): void {
  unlockedKey?.fill(0);
  unlockedKey = null;
  notify();
}

/** Panic wipe: erase every trace of keys and cached data on this device at once. */
export async function panicWipe(): Promise<void> {
  lockVault();
  localStorage.clear();
  sessionStorage.clear();
  if ('caches' in globalThis) for (const name of await caches.keys()) await caches.delete(name);
  if ('indexedDB' in globalThis && indexedDB.databases) {
    for (const db of await indexedDB.databases()) if (db.name) indexedDB.deleteDatabase(db.name);
  }
  notify();
}

export class BackupError extends Error {
  constructor(
    readonly reason: 'malformed' | 'other-hotline' | 'wrong-secret',
    message: string,
  ) {
    super(message);
  }
}

/** Parses a backup file and checks it belongs to this hotline. */
export function parseBackup(text: string, hotline: string): KeyBackup {
  let parsed: KeyBackup;
  try {
    parsed = JSON.parse(text) as KeyBackup;
  } catch {
    throw new BackupError('malformed', 'this file is not a Llamenos key backup');
  }
  if (
    parsed?.format !== 'llamenos-key-backup' ||
    parsed.version !== 1 ||
    typeof parsed.pinLock !== 'string'
  ) {
    throw new BackupError('malformed', 'this file is not a Llamenos key backup');
  }
  if (parsed.hotline !== hotline)
    throw new BackupError('other-hotline', `this backup belongs to another hotline (${parsed.hotline})`);
  try {
    const { keyId } = inspectPinLock(fromBase64url(parsed.pinLock));
    if (toHex(keyId) !== parsed.keyId) throw new Error('key id');
    fromBase64url(parsed.recoveryLock);
  } catch {
    throw new BackupError('malformed', 'this backup file is damaged or was altered');
  }
  return parsed;
}

/** Restores a key on a new device from its backup with the recovery key, then locks it under a (new) PIN. */
export async function restoreWithRecoveryKey(
  backup: KeyBackup,
  recoveryKeyText: string,
  newPin: string,
): Promise<Uint8Array> {
  let secretKey: Uint8Array;
  try {
    secretKey = unlockWithRecoveryKey(fromBase64url(backup.recoveryLock), parseRecoveryKey(recoveryKeyText));
  } catch (error) {
    if (error instanceof CryptoError) throw new BackupError('wrong-secret', error.message);
    throw error;
  }
  await createVault(secretKey, newPin, backup.hotline);
  return secretKey;
}

/** Restores a key on a new device from its backup with the old PIN. */
export async function restoreWithPin(backup: KeyBackup, pin: string): Promise<Uint8Array> {
  const secretKey = await inWorker({ op: 'unlock', blob: fromBase64url(backup.pinLock), pin });
  writeVault({
    v: 1,
    keyId: backup.keyId,
    pinLock: backup.pinLock,
    hotline: backup.hotline,
    failures: 0,
    lockedUntil: 0,
  });
  unlockedKey = secretKey;
  notify();
  return secretKey;
}

/** Removes a key that never became a member's (an abandoned join), if it is the one stored here. */
export function forgetUnregisteredKey(keyId: string): void {
  if (readVault()?.keyId !== keyId) return;
  localStorage.removeItem(STORAGE_KEY);
  lockVault();
}
