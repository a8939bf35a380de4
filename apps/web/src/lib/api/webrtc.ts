import {
  CallControlsResponse,
  CallHoldResponse,
  CallTransferTargetsResponse,
  WebrtcOfferResponse,
} from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/**
 * Browser audio's signalling (docs/CALLS.md, "Browser calling"): the caller's offer for the
 * volunteer who won the call, and that volunteer's answer back.
 */
export const fetchCallerOffer = (callId: string) =>
  request(WebrtcOfferResponse, 'GET', `/api/calls/${encodeURIComponent(callId)}/webrtc/offer`);

export const sendCallAnswer = (callId: string, sdp: string) =>
  requestVoid('POST', `/api/calls/${encodeURIComponent(callId)}/webrtc/answer`, { sdp });

/** Which of hold, transfer and warm transfer the server offers for this call (provider calls: only where the provider can move the audio). */
export const fetchCallControls = (callId: string) =>
  request(CallControlsResponse, 'GET', `/api/calls/${encodeURIComponent(callId)}/controls`);

/** Hold (true) or resume (false): the server tells the caller's side and answers the state the call is in. */
export const sendCallHold = (callId: string, onHold: boolean) =>
  request(CallHoldResponse, 'POST', `/api/calls/${encodeURIComponent(callId)}/hold`, { onHold });

/** Whom this call may be handed to: members on shift, free, answering in the browser. */
export const fetchTransferTargets = (callId: string) =>
  request(CallTransferTargetsResponse, 'GET', `/api/calls/${encodeURIComponent(callId)}/transfer-targets`);

/** Cold transfer: the caller goes to `to`; this member's side of the call ends. */
export const sendCallTransfer = (callId: string, to: string) =>
  requestVoid('POST', `/api/calls/${encodeURIComponent(callId)}/transfer`, { to });
