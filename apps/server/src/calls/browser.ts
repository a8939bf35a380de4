import type { ServerContext } from '../http/context.js';
import type { CallRow } from './store.js';
import { errorInfo } from './wiring.js';

/**
 * Connecting a volunteer who answered in the app, on the simulated carrier (it bridges the
 * waiting caller to the browser). Real providers ring browsers as legs of their own SDKs
 * instead (ringing.ts, `ringsBrowsers`), answered like phone legs, and need no connector.
 * The context builder gives the simulator's connector (ctx.telephony.browserConnectors), keeping
 * the router free of simulator code.
 */
export type BrowserConnector = (ctx: ServerContext, call: CallRow, userId: string) => Promise<void>;

/**
 * Real audio for a browser-answered call (WebRTC): the provider's side of the signalling. The
 * router has already checked that `userId` won `call` in the browser (webrtc-signalling.ts).
 */
export interface BrowserAudio {
  /** The caller's session offer for `userId`, waiting up to `waitMs` for it; null when the caller has none. */
  callerOffer(ctx: ServerContext, call: CallRow, userId: string, waitMs: number): Promise<string | null>;
  /** Hands the volunteer's answer to the caller; false when the caller cannot take it (no offer, answered, ended). */
  answerCaller(ctx: ServerContext, call: CallRow, userId: string, sdp: string): Promise<boolean>;
  /**
   * Puts the caller on hold (hold music, neither side hears the other) or takes them off it.
   * The new state and whether it changed; null when the caller has no browser audio to hold.
   */
  hold(
    ctx: ServerContext,
    call: CallRow,
    userId: string,
    onHold: boolean,
  ): Promise<{ onHold: boolean; changed: boolean } | null>;
  /**
   * Hands the caller from `fromUserId`'s browser to `toUserId`'s: the caller's side offers its
   * audio afresh, to the new browser only. False when the caller has no browser audio.
   */
  transfer(ctx: ServerContext, call: CallRow, fromUserId: string, toUserId: string): Promise<boolean>;
}

export async function connectBrowser(ctx: ServerContext, call: CallRow, userId: string): Promise<void> {
  const connector =
    ctx.telephony.browserConnectors[call.provider as keyof typeof ctx.telephony.browserConnectors];
  if (!connector) {
    ctx.log.error(
      { callId: call.id, provider: call.provider },
      'no way to connect a browser for this provider',
    );
    return;
  }
  try {
    await connector(ctx, call, userId);
  } catch (error) {
    ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'browser volunteer not connected');
  }
}
