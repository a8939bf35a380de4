import type { HubEventPayload } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { publishHubEvent } from '../realtime/publish.js';
import { errorInfo } from './telephony.js';

/**
 * Real-time notices about calls. A failure to publish (relay down, hub key trouble) is logged
 * and never stops the call: the phone network, not the browser, is what must not lose a caller.
 * Local listeners (the simulator page, tests) hear every payload too, as `call:announced` on
 * the context's event bus.
 */
export async function announce(ctx: ServerContext, payload: HubEventPayload): Promise<void> {
  ctx.events.emit('call:announced', payload);
  try {
    await publishHubEvent(ctx, payload);
  } catch (error) {
    ctx.log.warn({ type: payload.type, err: errorInfo(error) }, 'hub event not published');
  }
}
