import type { HubEventPayload } from '@llamenos/protocol';
import type { ServerContext } from '../http/context.js';
import { publishHubEvent } from '../realtime/publish.js';
import { errorInfo } from './telephony.js';

/**
 * Real-time notices about calls. A failure to publish (relay down, hub key trouble) is logged
 * and never stops the call: the phone network, not the browser, is what must not lose a caller.
 * Local listeners (the simulator page, tests) hear every payload too.
 */
type Listener = (payload: HubEventPayload) => void;
const listeners = new WeakMap<ServerContext, Set<Listener>>();

export function onCallEvent(ctx: ServerContext, listener: Listener): () => void {
  let set = listeners.get(ctx);
  if (!set) {
    set = new Set();
    listeners.set(ctx, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

export async function announce(ctx: ServerContext, payload: HubEventPayload): Promise<void> {
  for (const listener of listeners.get(ctx) ?? []) {
    try {
      listener(payload);
    } catch {
      // a listener's fault is its own
    }
  }
  try {
    await publishHubEvent(ctx, payload);
  } catch (error) {
    ctx.log.warn({ type: payload.type, err: errorInfo(error) }, 'hub event not published');
  }
}
