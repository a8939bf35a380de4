import { startOfDayIn } from '@llamenos/protocol/zoned-time';

export type { ConnectionTestResult } from '@llamenos/protocol';
/**
 * The call router's API as the call screens use it (the typed client's functions, under the
 * names these screens have always used). Numbers never come back: last 4 digits at most.
 */
export {
  addBans,
  answerCall,
  banCaller,
  fetchActiveCalls,
  fetchBans,
  fetchCallHistory,
  fetchOnShiftNow,
  fetchVoicemail,
  fetchVoicemailAudio,
  type HistoryFilter,
  hangUpCall,
  removeBan,
  setOnBreak,
  testProviderConnection,
} from '../api/index.js';

/** A call's duration so far (or in all), as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Midnight of today in `timeZone`, as an instant (for "today's counts"). */
export const startOfTodayIn = (timeZone: string, now = new Date()): Date =>
  new Date(startOfDayIn(timeZone, now.getTime()));
