import { z } from 'zod';

/**
 * Browser calling on the simulated carrier: the shapes of the WebRTC signalling that goes
 * through the server (docs/CALLS.md, "Browser calling"). Media never does: the caller's page
 * and the volunteer's browser send audio to each other directly.
 *
 * Signalling is "vanilla" ICE: each side waits for its candidates to be gathered and sends one
 * session description that carries them, so there is one offer and one answer per call and no
 * separate candidate messages.
 */

/** Generous for one audio m-line with a handful of candidates (Chromium's are about 1–3 KiB). */
export const SDP_MAX_CHARS = 16_384;

/** A session description as the browser makes it: "v=0" first, printable lines, bounded. */
export const Sdp = z
  .string()
  .min(16)
  .max(SDP_MAX_CHARS, `a session description is at most ${SDP_MAX_CHARS} characters`)
  .regex(/^v=0\r?\n/, 'a session description starts with "v=0"')
  // Lines of printable ASCII only: no NUL or other control characters smuggled into a browser.
  .regex(/^[\x20-\x7e\r\n]+$/, 'a session description is printable ASCII');

/** The volunteer's answer to the caller's offer (POST /api/calls/:id/webrtc/answer). */
export const WebrtcAnswerBody = z.object({ sdp: Sdp }).strict();
export type WebrtcAnswerBody = z.infer<typeof WebrtcAnswerBody>;

/** The caller's offer (POST /api/simulator/phones/:sid/webrtc/offer). */
export const WebrtcOfferBody = z.object({ sdp: Sdp }).strict();
export type WebrtcOfferBody = z.infer<typeof WebrtcOfferBody>;

/**
 * One ICE server as RTCPeerConnection takes it: `stun:`/`turn:`/`turns:` URLs, and for TURN
 * the username and credential. Configured by the operator (WEBRTC_ICE_SERVERS); none by default.
 */
const IceUrl = z
  .string()
  .max(512)
  .regex(/^(stun|turns?):[^\s]+$/, 'an ICE server URL starts with stun:, turn: or turns:');
export const IceServer = z
  .object({
    urls: z.union([IceUrl, z.array(IceUrl).min(1).max(8)]),
    username: z.string().max(256).optional(),
    credential: z.string().max(256).optional(),
  })
  .strict();
export type IceServer = z.infer<typeof IceServer>;
export const IceServers = z.array(IceServer).max(8);

/**
 * What the volunteer who won the call gets (GET /api/calls/:id/webrtc/offer): the caller's offer,
 * or null when the caller's phone has no browser audio (a call placed without the simulator's
 * page), and the ICE servers to use.
 */
export const WebrtcOfferResponse = z.object({ offer: Sdp.nullable(), iceServers: IceServers }).strict();
export type WebrtcOfferResponse = z.infer<typeof WebrtcOfferResponse>;

/** The caller's page waiting for the volunteer's answer (GET /api/simulator/phones/:sid/webrtc/answer). */
export const WebrtcCallerWait = z.object({ answer: Sdp.nullable(), ended: z.boolean() }).strict();
export type WebrtcCallerWait = z.infer<typeof WebrtcCallerWait>;

/**
 * Hold on the active-call card (POST /api/calls/:id/hold): the volunteer who answered in the
 * browser puts the caller on hold (the caller hears hold music, neither side hears the other) or
 * takes them off it. The response says the state the call is now in.
 */
export const CallHoldBody = z.object({ onHold: z.boolean() }).strict();
export type CallHoldBody = z.infer<typeof CallHoldBody>;

/**
 * Cold transfer on the active-call card (POST /api/calls/:id/transfer): the volunteer who answered
 * in the browser hands the caller to another member on shift who answers in the browser; the
 * caller's audio is connected to them and the first volunteer's side ends.
 */
export const CallTransferBody = z.object({ to: z.string().min(1).max(64) }).strict();
export type CallTransferBody = z.infer<typeof CallTransferBody>;

/**
 * Warm transfer (POST /api/calls/:id/warm-transfer): the volunteer on the call asks a colleague
 * on shift to talk first, with the session offer of their own browser-to-browser connection; the
 * caller is put on hold meanwhile. The colleague accepts with their answer
 * (POST …/warm-transfer/accept {sdp}) or declines.
 */
export const WarmTransferStartBody = z.object({ to: z.string().min(1).max(64), sdp: Sdp }).strict();
export type WarmTransferStartBody = z.infer<typeof WarmTransferStartBody>;
export const WarmTransferAcceptBody = z.object({ sdp: Sdp }).strict();
export type WarmTransferAcceptBody = z.infer<typeof WarmTransferAcceptBody>;

/**
 * Silent supervision (POST /api/calls/:id/supervision {sdp}): an admin's receive-only offer to
 * listen to a live browser call; the volunteer's browser answers it with the caller's voice and
 * its own (POST …/supervision/answer {sdp}). The admin's browser sends nothing.
 */
export const SupervisionOfferBody = z.object({ sdp: Sdp }).strict();
export type SupervisionOfferBody = z.infer<typeof SupervisionOfferBody>;
