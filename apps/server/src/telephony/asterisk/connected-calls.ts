import { TelephonyInputError } from '../errors.js';
import type { ConnectedCall, ConnectedCallControl } from '../provider.js';
import { ARI_CHANNEL_ID, SNOOP_APP_ARG } from './events.js';
import { heldBridgeId, listenBridgeId, mixingBridgeId } from './perform.js';
import type { AriRest } from './rest.js';

/**
 * Hold and hand-over of a connected call over ARI (docs/CALLS.md, "Call controls on provider
 * calls"). A connected call is its caller's channel and the volunteer's channel in the call's
 * mixing bridge (perform.ts, connect-to-caller). Hold moves the caller into a holding bridge of
 * its own with music on hold (so the volunteer hears nothing and the caller hears the hold
 * audio); resume moves them back. A hand-over rings the new volunteer as a channel into our
 * application with HANDOVER_APP_ARG: its StasisStart means they picked up (the event is kept
 * here, never screened nor raced), then the new channel joins the call's bridge, the first
 * volunteer's channel is hung up, and the caller comes back from hold.
 *
 * The state lives in Asterisk (which bridge holds the caller), so any server process may hold
 * or resume; only the wait for a hand-over's pickup is this process's (ARI sends every event to
 * every process's socket, so the process that rang hears it).
 */
const P = 'asterisk';

/** What a hand-over leg's wait learnt before (or without) anyone waiting: kept a short while, bounded. */
type Outcome = 'answered' | 'ended';
const MAX_OUTCOMES = 500;

export class AriConnectedCalls implements ConnectedCallControl {
  private readonly waiting = new Map<string, (outcome: Outcome) => void>();
  private readonly outcomes = new Map<string, Outcome>();

  constructor(
    private readonly rest: AriRest,
    private readonly options: {
      mohClass: string;
      /** Places the hand-over leg (the adapter's originate with HANDOVER_APP_ARG). */
      ring: ConnectedCallControl['ringHandOverLeg'];
    },
  ) {}

  /** From the adapter's event handler: a hand-over (or listener) channel entered our application (picked up). */
  answered(channelId: string): void {
    this.settle(channelId, 'answered');
  }

  /** From the adapter's event handler: a channel ended (only hand-over channels being waited for matter). */
  ended(channelId: string): void {
    if (this.waiting.has(channelId)) this.settle(channelId, 'ended');
  }

  private settle(channelId: string, outcome: Outcome): void {
    const resolve = this.waiting.get(channelId);
    if (resolve) {
      this.waiting.delete(channelId);
      resolve(outcome);
      return;
    }
    // Picked up before the originate's answer reached the waiter: kept for it.
    if (this.outcomes.size >= MAX_OUTCOMES) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
    this.outcomes.set(channelId, outcome);
  }

  async holdCaller(call: ConnectedCall, onHold: boolean): Promise<{ onHold: boolean; changed: boolean }> {
    const { rest } = this;
    const caller = channel(call.callerLegId);
    const held = heldBridgeId(call.queue);
    const mixing = mixingBridgeId(call.queue);
    const inHold = (await rest.bridgeChannels(held))?.includes(caller) ?? false;
    if (inHold === onHold) return { onHold, changed: false };
    if (onHold) {
      const inCall = await rest.bridgeChannels(mixing);
      if (!inCall?.includes(caller))
        throw new TelephonyInputError(P, 'hold', 'the caller is not in the call');
      await rest.createBridge(held, 'holding');
      await rest.removeChannel(mixing, caller);
      await rest.addChannels(held, [caller]);
      await rest.bridgeMoh(held, this.options.mohClass);
    } else {
      await rest.removeChannel(held, caller);
      await rest.addChannels(mixing, [caller]);
      await rest.destroyBridge(held);
    }
    return { onHold, changed: true };
  }

  ringHandOverLeg: ConnectedCallControl['ringHandOverLeg'] = (request) => this.options.ring(request);

  /** The call is over: its call, hold and listening bridges are destroyed (ones already gone are no error). */
  async callEnded(queue: string): Promise<void> {
    for (const bridge of [mixingBridgeId(queue), heldBridgeId(queue), listenBridgeId(queue)])
      await this.rest.destroyBridge(bridge);
  }

  async handOverAnswered(legId: string, timeoutMs: number): Promise<boolean> {
    const id = channel(legId);
    let outcome = this.outcomes.get(id);
    this.outcomes.delete(id);
    if (!outcome) {
      outcome = await new Promise<Outcome | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.waiting.delete(id);
          resolve(undefined);
        }, timeoutMs);
        timer.unref?.();
        this.waiting.set(id, (o) => {
          clearTimeout(timer);
          resolve(o);
        });
      });
    }
    if (outcome === 'answered') return true;
    // Nobody picked up in time: the ringing stops (a channel already gone is no error).
    await this.rest.hangup('cancel hand-over', id).catch(() => false);
    return false;
  }

  async handOver(call: ConnectedCall, toLegId: string): Promise<void> {
    const { rest } = this;
    const caller = channel(call.callerLegId);
    const mixing = mixingBridgeId(call.queue);
    // The first volunteer leaves before the new one joins, so the caller never hears both.
    await rest.hangup('hand over', channel(call.volunteerLegId));
    await rest.createBridge(mixing, 'mixing');
    await rest.addChannels(mixing, [channel(toLegId)]);
    // The caller is on hold while the colleague rings; back into the call now.
    const held = heldBridgeId(call.queue);
    if ((await rest.bridgeChannels(held))?.includes(caller)) {
      await rest.removeChannel(held, caller);
      await rest.addChannels(mixing, [caller]);
      await rest.destroyBridge(held);
    } else if (!(await rest.bridgeChannels(mixing))?.includes(caller)) {
      await rest.addChannels(mixing, [caller]);
    }
  }
}

/** The snoop channel carrying a call's two sides to the listener `listenerLegId`. */
const snoopIdOf = (listenerLegId: string) => `llamenos-snoop-${listenerLegId}`;

/**
 * Silent supervision over ARI: the admin's browser phone is rung into our application; once it
 * picks up, a snoop channel on the caller's channel (spy both: the caller's voice and what the
 * caller hears, the volunteer's; whisper none: nothing can be spoken into the call) and the
 * admin's channel share a mixing bridge of their own. The admin's microphone reaches only the
 * snoop channel, which does not carry it anywhere. The caller's and volunteer's bridges are not
 * touched, so hold and transfer work as before (on hold the listener hears the hold music).
 */
export class AriListening {
  constructor(
    private readonly rest: AriRest,
    private readonly calls: AriConnectedCalls,
    private readonly app: string,
    private readonly ringListener: ConnectedCallControl['ringHandOverLeg'],
  ) {}

  async listen(
    call: ConnectedCall,
    listener: Parameters<ConnectedCallControl['ringHandOverLeg']>[0],
    timeoutMs: number,
  ): Promise<{ legId: string } | null> {
    const { rest } = this;
    const caller = channel(call.callerLegId);
    const { legId } = await this.ringListener(listener);
    // The same pick-up wait as a hand-over's (its StasisStart is kept, never a caller).
    if (!(await this.calls.handOverAnswered(legId, timeoutMs))) return null;
    try {
      const snoop = await rest.snoop(caller, {
        spy: 'both',
        whisper: 'none',
        app: this.app,
        appArgs: SNOOP_APP_ARG,
        snoopId: snoopIdOf(legId),
      });
      const bridge = listenBridgeId(call.queue);
      await rest.createBridge(bridge, 'mixing');
      await rest.addChannels(bridge, [snoop, channel(legId)]);
    } catch (error) {
      await this.stopListening(call, legId).catch(() => {});
      throw error;
    }
    return { legId };
  }

  async stopListening(call: ConnectedCall, listenerLegId: string): Promise<void> {
    const { rest } = this;
    await rest.hangup('stop listening', channel(listenerLegId));
    await rest.hangup('stop listening', snoopIdOf(listenerLegId));
    await rest.destroyBridge(listenBridgeId(call.queue));
  }
}

function channel(id: string): string {
  if (!ARI_CHANNEL_ID.test(id)) throw new TelephonyInputError(P, 'call control', 'not an ARI channel id');
  return id;
}
