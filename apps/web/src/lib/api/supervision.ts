import {
  SupervisableCallsResponse,
  SupervisionRequestResponse,
  SupervisionStatusResponse,
} from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/** Silent supervision's requests (docs/CALLS.md, "Silent supervision"). */
const base = (callId: string) => `/api/calls/${encodeURIComponent(callId)}/supervision`;

export const fetchSupervisableCalls = () =>
  request(SupervisableCallsResponse, 'GET', '/api/calls/supervision/live');
export const startSupervision = (callId: string, sdp: string) => requestVoid('POST', base(callId), { sdp });
/** Listening through the admin's browser phone at the provider (Asterisk): answers once it is up. */
export const startSupervisionByPhone = (callId: string) => requestVoid('POST', `${base(callId)}/phone`);
export const fetchSupervision = (callId: string) => request(SupervisionStatusResponse, 'GET', base(callId));
export const stopSupervision = (callId: string) => requestVoid('POST', `${base(callId)}/stop`);
export const fetchSupervisionRequest = (callId: string) =>
  request(SupervisionRequestResponse, 'GET', `${base(callId)}/request`);
export const answerSupervision = (callId: string, sdp: string) =>
  requestVoid('POST', `${base(callId)}/answer`, { sdp });
