import { WarmTransferInviteResponse, WarmTransferStatusResponse } from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/**
 * Warm transfer's requests (docs/CALLS.md, "Warm transfer"): the member on the call asks a
 * colleague with the offer of their own connection; the colleague sees the invite, accepts with
 * an answer or declines; the member hands over or goes back to the caller.
 */
const base = (callId: string) => `/api/calls/${encodeURIComponent(callId)}/warm-transfer`;

export const startWarmTransfer = (callId: string, to: string, sdp: string) =>
  requestVoid('POST', base(callId), { to, sdp });

export const fetchWarmTransfer = (callId: string) => request(WarmTransferStatusResponse, 'GET', base(callId));

export const fetchWarmTransferInvite = () =>
  request(WarmTransferInviteResponse, 'GET', '/api/calls/transfers/incoming');

export const acceptWarmTransfer = (callId: string, sdp: string) =>
  requestVoid('POST', `${base(callId)}/accept`, { sdp });

export const sendWarmTransferStep = (callId: string, step: 'decline' | 'hand-over' | 'cancel') =>
  requestVoid('POST', `${base(callId)}/${step}`);
