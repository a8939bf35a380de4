import type { HubEventType } from '@llamenos/protocol';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { type HubEventOf, onHubEvent } from './bus.js';
import type { ConnectionStatus } from './connection.js';
import type { PresenceEntry } from './presence-store.js';
import {
  connectionStatus,
  onConnectionStatus,
  presence,
  type RealtimeOptions,
  setOnBreak,
  startRealtime,
  stopRealtime,
} from './realtime.js';

/**
 * Keeps the live connection open while `options` is set (the vault unlocked, the profile and
 * config loaded) and closes it when it becomes null (lock).
 */
export function useRealtimeConnection(options: RealtimeOptions | null): void {
  const enabled = options !== null;
  const relayUrl = options?.relayUrl;
  const serverPubkey = options?.serverPubkey;
  const onBreak = options?.onBreak ?? false;
  const initialBreak = useRef(onBreak);
  initialBreak.current = onBreak;
  useEffect(() => {
    if (!enabled || !relayUrl || !serverPubkey) return;
    startRealtime({ relayUrl, serverPubkey, onBreak: initialBreak.current });
    return stopRealtime;
  }, [enabled, relayUrl, serverPubkey]);
  useEffect(() => {
    if (enabled) setOnBreak(onBreak);
  }, [enabled, onBreak]);
}

export const useConnectionStatus = (): ConnectionStatus =>
  useSyncExternalStore(onConnectionStatus, connectionStatus);

/** Members online now (not offline, heard from within the last 75 s). */
export const usePresence = (): PresenceEntry[] =>
  useSyncExternalStore(
    (l) => presence.subscribe(l),
    () => presence.list(),
  );

/** Calls `callback` (the latest one given) for each hub event of `type` while mounted. */
export function useHubEvent<T extends HubEventType>(
  type: T,
  callback: (payload: HubEventOf<T>, from: string) => void,
): void {
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => onHubEvent(type, (payload, from) => latest.current(payload, from)), [type]);
}
