import { BROWSER_CREDENTIAL_MAX_SECONDS, type BrowserCredential } from '@llamenos/protocol';

export type { BrowserCredential };

/**
 * Browser calling at a provider: a short-lived credential for its browser SDK, issued to one
 * volunteer. An adapter that can ring a browser has `browserCredential`; one that cannot (or
 * whose stored configuration lacks what it needs) has none, or throws
 * BrowserCallingNotConfiguredError saying what is missing.
 */
export interface BrowserVolunteer {
  /** browserIdentityOf(SERVER_SECRET, userId): opaque, stable, never a name or a number. */
  identity: string;
}

export interface BrowserCalling {
  browserCredential(volunteer: BrowserVolunteer, now: Date): Promise<BrowserCredential>;
}

/** One hour: the SDKs refresh before it ends; a leaked credential is dead within the hour. */
export const BROWSER_CREDENTIAL_SECONDS = BROWSER_CREDENTIAL_MAX_SECONDS;

/** The provider is configured for calls but not for browsers; the message says what to add. */
export class BrowserCallingNotConfiguredError extends Error {
  override readonly name = 'BrowserCallingNotConfiguredError';
}

export const secondsOf = (date: Date) => Math.floor(date.getTime() / 1000);
export const expiryOf = (now: Date, seconds = BROWSER_CREDENTIAL_SECONDS) =>
  new Date((secondsOf(now) + seconds) * 1000).toISOString();
