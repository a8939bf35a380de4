import type { ProfileView } from '@llamenos/protocol';
import type { AuditHeadCache } from '../audit/service.js';
import type { SignatureChecks } from '../auth/signature-worker.js';
import type { BlobStore } from '../blobs/store.js';
import type { Admission } from '../calls/admission.js';
import type { AriBridge } from '../calls/ari-bridge.js';
import type { CallQueueState } from '../calls/ringing.js';
import type { TelephonyWiring } from '../calls/wiring.js';
import type { Config } from '../config.js';
import type { Conversations } from '../conversations/index.js';
import type { Database } from '../db/database.js';
import type { EventBus, ServerEvents } from '../events/bus.js';
import type { Logger } from '../logging.js';
import type { MessagingWiring } from '../messaging/registry.js';
import type { CachedHubKey } from '../realtime/hub-keys.js';
import type { Realtime } from '../realtime/registry.js';
import type { SettingsCache } from '../settings/cache.js';
import type { ScheduleCache } from '../shifts/cache.js';
import type { SimulatorHandles } from '../simulator/instance.js';

/** Keys the server derives from its secret (see packages/crypto server-keys). */
export interface ServerKeys {
  hashKey: Uint8Array;
  settingsKey: Uint8Array;
  nostrSecretKey: Uint8Array;
  nostrPublicKey: string;
  /** Derives request keys (PROTOCOL.md §5.4): the same on every process of one hotline. */
  requestKeySecret: Uint8Array;
}

/**
 * What the process holds, built once by createContext (context.ts) and passed down: no module
 * reaches for globals or keeps state of its own keyed by the context. Services that start later
 * (real-time delivery, the Asterisk bridge, the simulated carrier) have their slot here, empty
 * until started.
 */
export interface ServerContext {
  config: Config;
  db: Database;
  log: Logger;
  keys: ServerKeys;
  /** Current time; tests move it. */
  now: () => Date;
  /** The attachment store (config.blobDir): voicemails, conversation media, report attachments. */
  blobs: BlobStore;
  /** Changes one module announces to the others; who listens is wired in server.ts. */
  events: EventBus<ServerEvents>;
  /** Call work a webhook started without waiting for it; close() and tests wait for it (calls/wiring.ts). */
  backgroundWork: Set<Promise<unknown>>;
  /** How calls reach their providers: test overrides, kept event adapters, browser connectors. */
  telephony: TelephonyWiring;
  /** The call timers' automatic ticks; tests pause them and fire ticks with their own clock. */
  callTimers: { paused: boolean };
  /** The call queue's round running in this process, if any (calls/ringing.ts). */
  callQueue: CallQueueState;
  /** How loaded this process is and the call work it defers under overload (calls/admission.ts). */
  admission: Admission;
  /** Values kept between requests because recomputing them is costly. */
  caches: {
    hubKey: CachedHubKey | null;
    settings: SettingsCache;
    schedule: ScheduleCache;
    /** The audit chain head as this process last moved it (audit/service.ts AuditHeadCache). */
    auditHead: AuditHeadCache;
  };
  /**
   * Where NIP-98 signatures are checked: the main thread, or a worker thread that signed traffic
   * starts (startServer) and close() stops (auth/signature-worker.ts).
   */
  signatures: SignatureChecks;
  /** Real-time delivery once startRealtime ran; null for a context without an HTTP server. */
  realtime: Realtime | null;
  /** This process's Asterisk events bridge once startAriBridge ran. */
  ariBridge: AriBridge | null;
  /** The simulated carrier and its fake Twilio API, started on first use (never in production). */
  simulator: SimulatorHandles;
  /** The conversations module: where channels hand inbound messages and statuses; replies and media. */
  conversations: Conversations;
  /** How messaging reaches its channels (SMS, WhatsApp, Signal) and where it hands what they receive. */
  messaging: MessagingWiring;
}

/** Who is making a request, as the auth middleware established it. */
export interface AuthState {
  /** The x-only public key that signed the request (or owns the session), if any. */
  pubkey: string | null;
  /** The registered, active user behind that key, if any. */
  user: { id: string; pubkey: string; roles: string[]; permissions: string[] } | null;
  /**
   * How the request was authenticated: a NIP-98 signature, a request key obtained by one
   * (PROTOCOL.md §5.4), a passkey session, or nothing.
   */
  method: 'none' | 'nip98' | 'request-key' | 'session';
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
    /** SHA-256 (hex) of the received body, when a request signature covered it (hashed once). */
    bodySha256?: string;
    /** The caller's own profile, read with their credential for GET /api/me (auth/middleware.ts). */
    signerProfile?: ProfileView;
  };
};
