import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createAuthHeader,
  formatRecoveryKey,
  generateRecoveryKey,
  generateSecretKey,
  getPublicKeyBytes,
  keyIdOf,
  lockWithPin,
  lockWithRecoveryKey,
  toBase64url,
  toHex,
} from '@llamenos/crypto';
import type { Page } from '@playwright/test';
import { expect, type Hotline } from './fixtures.js';

/**
 * Members made through the API, for the specs whose subject comes after joining (calls, audio,
 * transfers): the keys are made here, registered by signed requests as the web app registers
 * them (bootstrap, invite, redeem), and put in each browser's vault locked under the PIN, so the
 * browser only unlocks. Joining through the screens is what onboarding*.spec.ts, journey.spec.ts,
 * a11y.spec.ts and others test; doing it again before every call test cost seconds per member.
 */

/** Where the web app keeps the PIN-locked key (apps/web/src/lib/vault.ts). */
const VAULT_STORAGE_KEY = 'llamenos.vault.v1';

export interface SeededMember {
  id: string;
  name: string;
  secretKey: Uint8Array;
}

/** A request signed by `key` (NIP-98, as the web app signs); fails the test unless it answers `status`. */
export async function signedRequest<T>(
  hotline: Hotline,
  key: Uint8Array,
  method: string,
  path: string,
  body: unknown,
  status = 201,
): Promise<T> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const url = `${hotline.url}${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      authorization: createAuthHeader({ url, method, body: text }, key),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : text,
  });
  const answer = await response.text();
  expect(response.status, `${method} ${path}: ${answer}`).toBe(status);
  return JSON.parse(answer) as T;
}

/** The first admin, registered with the hotline's bootstrap link. */
export async function bootstrapAdminByApi(hotline: Hotline, name = 'Ana Admin'): Promise<SeededMember> {
  const secretKey = generateSecretKey();
  const token = hotline.bootstrapLink.split('#')[1] ?? '';
  const user = await signedRequest<{ id: string }>(hotline, secretKey, 'POST', '/api/bootstrap', {
    token,
    displayName: name,
  });
  return { id: user.id, name, secretKey };
}

/** An invite made by `admin` (the roles the invite screen starts from); its one-time code. */
export async function createInviteByApi(
  hotline: Hotline,
  admin: SeededMember,
  name: string,
  roles: string[] = ['volunteer'],
): Promise<string> {
  const invite = await signedRequest<{ token: string }>(hotline, admin.secretKey, 'POST', '/api/invites', {
    displayName: name,
    roles,
  });
  return invite.token;
}

/** A member invited by `admin` who redeemed the invite with a new key. */
export async function inviteByApi(
  hotline: Hotline,
  admin: SeededMember,
  name: string,
  roles: string[] = ['volunteer'],
): Promise<SeededMember> {
  const token = await createInviteByApi(hotline, admin, name, roles);
  const secretKey = generateSecretKey();
  const user = await signedRequest<{ id: string }>(hotline, secretKey, 'POST', '/api/invites/redeem', {
    token,
    displayName: name,
  });
  return { id: user.id, name, secretKey };
}

/**
 * The member's key backup file as the web app offers it for download after joining (the PIN
 * lock and the recovery-key lock; apps/web/src/lib/vault.ts), and the recovery key's text.
 */
export async function writeKeyBackup(
  hotline: Hotline,
  member: SeededMember,
  pin: string,
): Promise<{ backupPath: string; recoveryKey: string }> {
  const recovery = generateRecoveryKey();
  const backup = {
    format: 'llamenos-key-backup',
    version: 1,
    hotline: hotline.url,
    keyId: toHex(keyIdOf(getPublicKeyBytes(member.secretKey))),
    pinLock: toBase64url(await lockWithPin(member.secretKey, pin)),
    recoveryLock: toBase64url(lockWithRecoveryKey(member.secretKey, recovery)),
    createdAt: new Date().toISOString(),
  };
  const backupPath = path.join(
    mkdtempSync(path.join(tmpdir(), 'llamenos-backup-')),
    'llamenos-key-backup.json',
  );
  writeFileSync(backupPath, JSON.stringify(backup, null, 2));
  return { backupPath, recoveryKey: formatRecoveryKey(recovery) };
}

/** A 24-hour shift covering now, for these members. */
export async function shiftByApi(
  hotline: Hotline,
  admin: SeededMember,
  members: SeededMember[],
  when: { weekday: number; start: string },
  name = 'Day line',
): Promise<void> {
  await signedRequest(hotline, admin.secretKey, 'POST', '/api/shifts', {
    name,
    weekday: when.weekday,
    start: when.start,
    durationMinutes: 24 * 60,
    userIds: members.map((m) => m.id),
  });
}

/**
 * Puts the member's key in this browser's vault, locked under `pin` the way the web app locks
 * it, and unlocks it on the unlock screen; ends on their dashboard.
 */
export async function signInWithPin(page: Page, hotline: Hotline, member: SeededMember, pin: string) {
  const vault = {
    v: 1,
    keyId: toHex(keyIdOf(getPublicKeyBytes(member.secretKey))),
    pinLock: toBase64url(await lockWithPin(member.secretKey, pin)),
    hotline: hotline.url,
    failures: 0,
    lockedUntil: 0,
  };
  await page.goto(hotline.url);
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [
    VAULT_STORAGE_KEY,
    JSON.stringify(vault),
  ] as const);
  await page.reload();
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByRole('button', { name: 'Unlock', exact: true }).click();
  await expect(page.getByRole('heading', { name: `Hello, ${member.name}` })).toBeVisible();
}

/**
 * A shift start covering now: two hours ago on the quarter hour (UTC, the hotline's default
 * zone), Monday-first weekday; a 24-hour shift from there covers the whole test.
 */
export function shiftCoveringNow(): { weekday: number; start: string; hours: number; minutes: number } {
  const start = new Date(Date.now() - 2 * 3600_000);
  start.setUTCMinutes(Math.floor(start.getUTCMinutes() / 15) * 15, 0, 0);
  return {
    weekday: (start.getUTCDay() + 6) % 7, // the server numbers Monday 0 … Sunday 6
    start: `${String(start.getUTCHours()).padStart(2, '0')}:${String(start.getUTCMinutes()).padStart(2, '0')}`,
    hours: start.getUTCHours(),
    minutes: start.getUTCMinutes(),
  };
}

/** Places a call from `from` on the simulated carrier (its routes answer loopback clients only, like the specs). */
export async function placeSimulatedCall(hotline: Hotline, from: string): Promise<void> {
  const response = await fetch(`${hotline.url}/api/simulator/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}
