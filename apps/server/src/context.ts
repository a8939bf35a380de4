import {
  deriveServerHashKey,
  deriveServerNostrKey,
  deriveServerSettingsKey,
  getPublicKey,
} from '@llamenos/crypto';
import type { TelephonyProvider } from '@llamenos/protocol';
import { emptyAuditHeadCache } from './audit/service.js';
import { loadRequestKeySecret } from './auth/request-key-seed.js';
import { SignatureChecks } from './auth/signature-worker.js';
import { BlobStore } from './blobs/store.js';
import { Admission, eventLoopLoad, type LoadSignal } from './calls/admission.js';
import { SupervisionSignals } from './calls/supervision-signals.js';
import { connectTrainee, TrainingLines, trainingBrowserAudio } from './calls/training/lines.js';
import { ConsultSignals } from './calls/warm-transfer-signals.js';
import type { Config } from './config.js';
import { createConversations } from './conversations/index.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { EventBus, type ServerEvents } from './events/bus.js';
import type { ServerContext, ServerKeys } from './http/context.js';
import type { Logger } from './logging.js';
import type { ChannelId, ConversationIngest } from './messaging/channel.js';
import { type ChannelOverrides, createChannel } from './messaging/registry.js';
import { ALL_MIGRATIONS } from './modules.js';
import { emptySettingsCache } from './settings/cache.js';
import { emptyScheduleCache } from './shifts/cache.js';
import { simulatedBrowserAudio } from './simulator/browser-audio.js';
import { connectSimulatedBrowser } from './simulator/instance.js';
import type { TelephonyOverrides } from './telephony/registry.js';

/** The keys derived from the server secret alone (the request-key secret needs the database too). */
export function deriveServerKeys(secret: Uint8Array): Omit<ServerKeys, 'requestKeySecret'> {
  const nostrSecretKey = deriveServerNostrKey(secret);
  return {
    hashKey: deriveServerHashKey(secret),
    settingsKey: deriveServerSettingsKey(secret),
    nostrSecretKey,
    nostrPublicKey: getPublicKey(nostrSecretKey),
  };
}

/** What a caller (tests, benchmarks, the CLI) may supply instead of what the config says. */
export interface ContextOverrides {
  /** A database already open; otherwise the configured one is opened. */
  db?: Database;
  /** Real provider adapters pointed at a local fake API, or given a shorter time limit. */
  telephony?: Partial<Record<TelephonyProvider, TelephonyOverrides>>;
  /** Tests fire the call timers themselves, with their own clock. */
  callTimersPaused?: boolean;
  /** A movable clock. */
  now?: () => Date;
  /** Messaging adapters pointed at a local fake API; tests may also record what channels hand over. */
  messaging?: Partial<Record<ChannelId, ChannelOverrides>>;
  messagingIngest?: ConversationIngest;
  /** An attachment store of the test's own (one whose disk fills up); otherwise one on config.blobDir. */
  blobs?: BlobStore;
  /** Tests set the load level themselves: a signal of their own and the clock it is sampled by (ms). */
  load?: { signal: LoadSignal; clock?: () => number };
}

/**
 * Opens the database (or uses the one given), applies migrations and builds the context every
 * module receives: the one place that says what a server process holds.
 */
export async function createContext(
  config: Config,
  log: Logger,
  overrides: ContextOverrides = {},
): Promise<ServerContext> {
  const db = overrides.db ?? (await openDatabase(config));
  const applied = await migrate(db, ALL_MIGRATIONS);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const ctx: ServerContext = {
    config,
    db,
    log,
    keys: {
      ...deriveServerKeys(config.serverSecret),
      requestKeySecret: await loadRequestKeySecret(db, config.serverSecret),
    },
    now: overrides.now ?? (() => new Date()),
    blobs: overrides.blobs ?? new BlobStore(config.blobDir),
    events: new EventBus<ServerEvents>((event, error) =>
      log.error({ err: error, event }, 'event listener failed'),
    ),
    backgroundWork: new Set(),
    telephony: {
      overrides: { ...overrides.telephony },
      eventAdapters: new Map(),
      adapters: new Map(),
      // Only the simulated carrier and the training line (no carrier) connect a browser answer here.
      browserConnectors: { simulator: connectSimulatedBrowser, training: connectTrainee },
      browserAudio: { simulator: simulatedBrowserAudio, training: trainingBrowserAudio },
      consults: new ConsultSignals(),
      training: new TrainingLines(),
      supervisions: new SupervisionSignals(),
    },
    callTimers: { paused: overrides.callTimersPaused ?? false },
    callQueue: { running: null, again: false, legWrites: null },
    admission: new Admission(
      overrides.load?.signal ?? eventLoopLoad(() => ctx.backgroundWork.size),
      overrides.load?.clock,
      undefined,
      (from, to, reading) => log.warn({ from, to, ...reading }, 'call load level changed'),
    ),
    caches: {
      hubKey: null,
      settings: emptySettingsCache(),
      schedule: emptyScheduleCache(),
      auditHead: emptyAuditHeadCache(),
    },
    signatures: new SignatureChecks(log),
    realtime: null,
    ariBridge: null,
    simulator: { api: null, carrier: null, origin: null },
    // Replies and media retries build the channel's adapter from its stored configuration.
    conversations: createConversations(
      () => ctx,
      (channel) => createChannel(ctx, channel),
    ),
    messaging: {
      overrides: { ...overrides.messaging },
      ingest: overrides.messagingIngest ?? null,
      channelRecords: new Map(),
      signal: null,
      simulatedApi: null,
      simulatedTexting: null,
      simulatedSignal: null,
    },
  };
  // What channels receive goes to the conversations module (a test may record it instead).
  ctx.messaging.ingest ??= ctx.conversations;
  return ctx;
}
