/** Messages between the UI thread and the vault worker, where the slow PIN derivation runs. */
export type VaultCall =
  | { op: 'lock'; secretKey: Uint8Array; pin: string }
  | { op: 'unlock'; blob: Uint8Array; pin: string };

export type VaultRequest = VaultCall & { id: number };

export type VaultResponse =
  | { id: number; ok: true; bytes: Uint8Array }
  | { id: number; ok: false; code: string; message: string };
