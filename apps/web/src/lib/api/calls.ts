import {
  ActiveCallsResponseSchema,
  BanCallResponse,
  BanListResponse,
  CallDetailSchema,
  CallHistoryResponseSchema,
  CallQueueBoardSchema,
  CallResponse,
  type CallStatus,
  CreateBansResponseSchema,
  VoicemailViewSchema,
} from '@llamenos/protocol';
import { apiStream, request, requestVoid } from './http.js';

/** The call router's API as the web client uses it. Numbers never come back: last 4 digits at most. */

export const fetchActiveCalls = () => request(ActiveCallsResponseSchema, 'GET', '/api/calls/active');

export const answerCall = async (id: string) =>
  (await request(CallResponse, 'POST', `/api/calls/${id}/answer`)).call;

export const hangUpCall = async (id: string) =>
  (await request(CallResponse, 'POST', `/api/calls/${id}/hangup`)).call;

export const banCaller = (id: string, reason: string) =>
  request(BanCallResponse, 'POST', `/api/calls/${id}/ban`, { reason });

export interface HistoryFilter {
  status?: CallStatus;
  since?: string;
  until?: string;
  answeredBy?: string;
  limit?: number;
  offset?: number;
}

export function fetchCallHistory(filter: HistoryFilter = {}) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== '') q.set(key, String(value));
  const query = q.toString();
  return request(CallHistoryResponseSchema, 'GET', `/api/calls${query ? `?${query}` : ''}`);
}

/** One call's detail page: any call for calls:read-all, else only a call the member answered. */
export const fetchCallDetail = (id: string) => request(CallDetailSchema, 'GET', `/api/calls/${id}`);

/** The call queue as it stands, for the admins' live board (calls:read-all). */
export const fetchQueueBoard = () => request(CallQueueBoardSchema, 'GET', '/api/calls/queue');

/** The voicemail's details and the caller's own wrap of its file key. */
export const fetchVoicemail = (callId: string) =>
  request(VoicemailViewSchema, 'GET', `/api/calls/${callId}/voicemail`);

/** The voicemail's encrypted file (streaming format), as it arrives. */
export const fetchVoicemailAudio = (callId: string, signal?: AbortSignal) =>
  apiStream(`/api/calls/${callId}/voicemail/audio`, { signal });

export const fetchBans = async () => (await request(BanListResponse, 'GET', '/api/bans')).bans;

/** Numbers are hashed on arrival and never echoed back; invalid ones are named by position. */
export const addBans = (numbers: string[], reason: string) =>
  request(CreateBansResponseSchema, 'POST', '/api/bans', { numbers, reason });

export const removeBan = (hash: string) => requestVoid('DELETE', `/api/bans/${hash}`);
