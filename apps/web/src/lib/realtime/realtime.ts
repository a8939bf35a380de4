import type { NostrEvent } from '@llamenos/crypto';
import type { HubEventPayload } from '@llamenos/protocol';
import { fetchHubKey } from '../api/index.js';
import { unlockedPublicKey, unlockedSecretKey } from '../vault.js';
import { emitHubEvent, runResync } from './bus.js';
import { type ConnectionStatus, RelayClient } from './connection.js';
import { EventKeyRing } from './hub-keys.js';
import {
  HEARTBEAT_MS,
  type OwnStatus,
  ownStatus,
  WELCOME_JITTER_MS,
  WELCOME_MIN_INTERVAL_MS,
} from './presence.js';
import { PresenceStore } from './presence-store.js';

/**
 * The one live connection of this tab, from unlock to lock: the relay client, the hub's event
 * keys, this member's presence announcements and everyone else's presence as heard.
 */

export const presence = new PresenceStore();

let status: ConnectionStatus = 'closed';
const statusListeners = new Set<() => void>();
export const connectionStatus = (): ConnectionStatus => status;
export function onConnectionStatus(listener: () => void): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

interface Session {
  client: RelayClient;
  keys: EventKeyRing;
  pubkey: string;
  state: { onBreak: boolean; onCall: boolean };
  announced: OwnStatus | null;
  /** "offline", signed together with the last announcement, so it can still be sent once the key is gone (lock, unload). */
  farewell: NostrEvent | null;
  lastWelcome: number;
  timers: ReturnType<typeof setInterval>[];
  welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  cleanup: (() => void)[];
}

let session: Session | null = null;

export interface RealtimeOptions {
  relayUrl: string;
  serverPubkey: string;
  onBreak: boolean;
}

function setStatus(next: ConnectionStatus): void {
  status = next;
  for (const l of [...statusListeners]) l();
}

/** Announces this member's presence now (connection, heartbeat, change). */
function announce(s: Session): void {
  const payload = {
    type: 'presence',
    pubkey: s.pubkey,
    status: ownStatus(s.state),
    at: new Date().toISOString(),
  } satisfies HubEventPayload;
  const event = s.client.sign(payload);
  if (!event || !s.client.publish(event)) return;
  s.announced = payload.status;
  s.farewell = s.client.sign({ ...payload, status: 'offline' });
}

function onEvent(s: Session, payload: HubEventPayload, from: string): void {
  if (payload.type === 'presence') {
    const { arrived } = presence.apply(payload.pubkey, payload.status, payload.at, Date.now());
    // Someone new: tell them we are here rather than leave them waiting for our next heartbeat.
    if (
      arrived &&
      from !== s.pubkey &&
      Date.now() - s.lastWelcome > WELCOME_MIN_INTERVAL_MS &&
      !s.welcomeTimer
    ) {
      s.welcomeTimer = setTimeout(() => {
        s.welcomeTimer = undefined;
        s.lastWelcome = Date.now();
        if (session === s) announce(s);
      }, Math.random() * WELCOME_JITTER_MS);
    }
  }
  emitHubEvent(payload, from);
}

/** Connects after unlock; does nothing if already connected. */
export function startRealtime(options: RealtimeOptions): void {
  const pubkey = unlockedPublicKey();
  if (session || !pubkey) return;
  const keys = new EventKeyRing({
    fetchCurrent: fetchHubKey,
    secretKey: unlockedSecretKey,
    now: Date.now,
  });
  const s: Session = {
    keys,
    pubkey,
    state: { onBreak: options.onBreak, onCall: false },
    announced: null,
    farewell: null,
    lastWelcome: 0,
    timers: [],
    welcomeTimer: undefined,
    cleanup: [],
    client: new RelayClient({
      relayUrl: options.relayUrl,
      serverPubkey: options.serverPubkey,
      keys,
      secretKey: unlockedSecretKey,
      onStatus: setStatus,
      onConnected: () => {
        announce(s);
        runResync();
      },
      onEvent: (payload, from) => onEvent(s, payload, from),
    }),
  };
  session = s;
  s.timers.push(setInterval(() => announce(s), HEARTBEAT_MS));
  s.timers.push(setInterval(() => presence.prune(Date.now()), 5_000));
  const online = () => s.client.retryNow();
  // Best effort: a closing tab says goodbye.
  const leaving = () => {
    if (s.farewell) s.client.sendNow(s.farewell);
  };
  addEventListener('online', online);
  addEventListener('pagehide', leaving);
  s.cleanup.push(
    () => removeEventListener('online', online),
    () => removeEventListener('pagehide', leaving),
  );
  s.client.start();
}

/** Closes on lock: says "offline" if it can, and forgets the event keys and everyone's presence. */
export function stopRealtime(): void {
  const s = session;
  if (!s) return;
  session = null;
  for (const t of s.timers) clearInterval(t);
  clearTimeout(s.welcomeTimer);
  for (const c of s.cleanup) c();
  s.client.stop(s.farewell);
  s.farewell = null;
  s.keys.clear();
  presence.clear();
}

function update(change: Partial<Session['state']>): void {
  const s = session;
  if (!s) return;
  Object.assign(s.state, change);
  if (s.announced !== null && s.announced !== ownStatus(s.state)) announce(s);
}

/** From the profile (GET /api/me onBreak). */
export const setOnBreak = (onBreak: boolean): void => update({ onBreak });
/** For the call screen: on a call while one is answered. */
export const setOnCall = (onCall: boolean): void => update({ onCall });
