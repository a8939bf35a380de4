import type { ServerContext } from '../http/context.js';
import type { CallRow } from './store.js';
import { errorInfo } from './wiring.js';

/**
 * Connecting a volunteer who answered in the browser. Only the simulated carrier can do it
 * today (it bridges the waiting caller to the browser); real providers need WebRTC client
 * legs, which are not built, so the router never rings browsers on them.
 * The context builder gives the simulator's connector (ctx.telephony.browserConnectors), keeping
 * the router free of simulator code.
 */
export type BrowserConnector = (ctx: ServerContext, call: CallRow, userId: string) => Promise<void>;

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
