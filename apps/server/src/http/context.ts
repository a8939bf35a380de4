import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logging.js';

/** Keys the server derives from its secret (see packages/crypto server-keys). */
export interface ServerKeys {
  hashKey: Uint8Array;
  settingsKey: Uint8Array;
  nostrSecretKey: Uint8Array;
  nostrPublicKey: string;
}

/** Everything a module needs, built once at start and passed down: no module reaches for globals. */
export interface ServerContext {
  config: Config;
  db: Database;
  log: Logger;
  keys: ServerKeys;
  /** Current time; tests move it. */
  now: () => Date;
}

/** Who is making a request, as the auth middleware established it. */
export interface AuthState {
  /** The x-only public key that signed the request (or owns the session), if any. */
  pubkey: string | null;
  /** The registered, active user behind that key, if any. */
  user: { id: string; pubkey: string; roles: string[]; permissions: string[] } | null;
  /** How the request was authenticated. */
  method: 'none' | 'nip98' | 'session';
  sessionId: string | null;
  /** Keyed hash of the client IP, for rate limits and audit. */
  ipHash: string;
  /**
   * The hotline requires passkeys (settings security.requirePasskeys) and this member has
   * none yet: guards refuse every member route not declared `allowWithoutPasskey`.
   */
  needsPasskey: boolean;
}

export type AppEnv = {
  Variables: {
    auth: AuthState;
    requestId: string;
    /** The request's JSON body, parsed once under the body rules (see body-check.ts). */
    jsonBody?: { value: unknown };
  };
};
