import type {
  ActiveCallsResponse,
  BanView,
  CallHistoryResponse,
  CallStatus,
  CallView,
  CreateBansResponse,
  OnShiftNowView,
  VoicemailView,
} from '@llamenos/protocol';
import { api, apiStream } from '../api.js';

/** The call router's API as the web client uses it. Numbers never come back: last 4 digits at most. */

export const fetchActiveCalls = () => api<ActiveCallsResponse>('GET', '/api/calls/active');

export const answerCall = async (id: string) =>
  (await api<{ call: CallView }>('POST', `/api/calls/${id}/answer`)).call;

export const hangUpCall = async (id: string) =>
  (await api<{ call: CallView }>('POST', `/api/calls/${id}/hangup`)).call;

export const banCaller = (id: string, reason: string) =>
  api<{ banned: boolean; call: CallView }>('POST', `/api/calls/${id}/ban`, { reason });

export const fetchOnShiftNow = () => api<OnShiftNowView>('GET', '/api/shifts/now');

export const setOnBreak = (onBreak: boolean) => api('PATCH', '/api/me', { onBreak });

export interface HistoryFilter {
  status?: CallStatus;
  since?: string;
  until?: string;
  limit?: number;
  offset?: number;
}

export function fetchCallHistory(filter: HistoryFilter = {}): Promise<CallHistoryResponse> {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== '') q.set(key, String(value));
  const query = q.toString();
  return api<CallHistoryResponse>('GET', `/api/calls${query ? `?${query}` : ''}`);
}

/** The voicemail's details and the caller's own wrap of its file key. */
export const fetchVoicemail = (callId: string) => api<VoicemailView>('GET', `/api/calls/${callId}/voicemail`);

/** The voicemail's encrypted file (streaming format), as it arrives. */
export const fetchVoicemailAudio = (callId: string, signal?: AbortSignal) =>
  apiStream(`/api/calls/${callId}/voicemail/audio`, { signal });

export const fetchBans = async () => (await api<{ bans: BanView[] }>('GET', '/api/bans')).bans;

export const addBans = (numbers: string[], reason: string) =>
  api<CreateBansResponse>('POST', '/api/bans', { numbers, reason });

export const removeBan = (hash: string) => api('DELETE', `/api/bans/${hash}`);

export interface ConnectionTestResult {
  ok: boolean;
  reason: string;
}

export const testProviderConnection = (provider: string) =>
  api<ConnectionTestResult>('POST', `/api/settings/providers/${provider}/test`);

/** A call's duration so far (or in all), as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Midnight of today in `timeZone`, as an instant (for "today's counts"). */
export function startOfTodayIn(timeZone: string, now = new Date()): Date {
  const parts = (date: Date) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      })
        .formatToParts(date)
        .map((x) => [x.type, Number(x.value)]),
    ) as Record<string, number>;
    return p;
  };
  const p = parts(now);
  // The zone's offset now, then once more at the guessed midnight (a DST change may lie between).
  const offsetAt = (date: Date) => {
    const q = parts(date);
    return Date.UTC(q.year!, q.month! - 1, q.day!, q.hour!, q.minute!, q.second!) - date.getTime();
  };
  const midnightLocal = Date.UTC(p.year!, p.month! - 1, p.day!);
  let guess = midnightLocal - offsetAt(now);
  guess = midnightLocal - offsetAt(new Date(guess));
  return new Date(guess);
}
