import type { ServerContext } from '../http/context.js';
import type { SettingsChange } from '../settings/hooks.js';
import { loadProviderCredentials } from '../settings/service.js';
import {
  type EventTelephony,
  FINAL_LEG_STATUSES,
  type Instruction,
  type TelephonyEvent,
} from '../telephony/provider.js';
import { createTelephony } from '../telephony/registry.js';
import { answerDocument, hangupWith, queueName, screenDocument } from './documents.js';
import { callerStatusChanged, legStatusChanged } from './end.js';
import { stepsUntilWait } from './event-steps.js';
import { handleCaptchaDigit, handleInboundCall, handleLanguageChoice } from './inbound.js';
import { claimReceipt, findCallByProviderId, findLegByProviderLegId, type LegRow } from './store.js';
import { storeVoicemail } from './voicemail.js';
import { errorInfo, inBackground, telephonyOverrides } from './wiring.js';

/**
 * Asterisk (ARI) into the call router. Webhook providers reach the router through HTTP routes;
 * ARI pushes events over a WebSocket instead, so this bridge holds the one adapter (built when
 * asterisk credentials are stored, rebuilt when they change; reconnecting is the adapter's job),
 * listens to it, and calls the same router functions the webhook routes call. What a webhook
 * answer would do is done with `perform`.
 *
 * Every server process runs a bridge, and ARI sends each event to every socket of the app, so
 * each event's effect is claimed once in webhook_receipts (provider 'asterisk', a key made of the
 * channel and what happened). Key presses need no claim: only the process whose adapter played
 * the screening prompt listens for them.
 *
 * Events of one channel are handled in order (a caller hanging up must not overtake their own
 * arrival); different channels run side by side.
 */

const P = 'asterisk';
/** How long a volunteer leg's events wait for its originate answer to be stored (same race as webhooks). */
const LEG_ROW_WAIT_MS = 2_000;

export type AriBridgeState = 'idle' | 'running' | 'refused';

export class AriBridge {
  state: AriBridgeState = 'idle';
  private adapter: EventTelephony | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * The language menu's page each caller channel hears, past the first: ARI's key presses carry
   * no action URL to say so (documents.ts languageMenuPage).
   */
  private readonly menuPages = new Map<string, number>();
  /** Bumped by every restart and stop, so a slower earlier restart does not subscribe late. */
  private generation = 0;

  constructor(private readonly ctx: ServerContext) {}

  async restart(): Promise<void> {
    this.detach();
    const generation = ++this.generation;
    const { ctx } = this;
    let adapter: EventTelephony;
    try {
      if (!(await loadProviderCredentials(ctx, P))) {
        if (generation === this.generation) this.state = 'idle';
        return;
      }
      const built = await createTelephony(ctx, P, telephonyOverrides(ctx, P));
      if (built.transport !== 'events') throw new Error('the asterisk adapter is not an event adapter');
      adapter = built;
    } catch (error) {
      // A public ARI address, unreadable credentials: no calls reach us; the reason is logged
      // (never the password) and the admin's next save tries again.
      if (generation === this.generation) this.state = 'refused';
      ctx.log.error({ provider: P, err: errorInfo(error) }, 'Asterisk not connected');
      return;
    }
    if (generation !== this.generation) return;
    this.adapter = adapter;
    ctx.telephony.eventAdapters.set(P, adapter);
    this.unsubscribe = adapter.subscribe((event) => this.dispatch(adapter, event));
    this.state = 'running';
    ctx.log.info({ provider: P }, 'Asterisk events bridge started');
  }

  stop(): void {
    this.generation += 1;
    this.detach();
    this.state = 'idle';
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.adapter) this.ctx.telephony.eventAdapters.delete(P);
    this.adapter = null;
  }

  private dispatch(adapter: EventTelephony, event: TelephonyEvent): void {
    const channel =
      event.kind === 'inbound-call'
        ? event.providerCallId
        : event.kind === 'recording-ready'
          ? (event.callId ?? event.recordingRef)
          : event.legId;
    const previous = this.chains.get(channel) ?? Promise.resolve();
    // A failed handler (logged by inBackground) must not stop the channel's later events.
    const next = previous.catch(() => {}).then(() => this.handle(adapter, event));
    this.chains.set(channel, next);
    inBackground(this.ctx, `ari ${event.kind}`, () =>
      next.finally(() => {
        if (this.chains.get(channel) === next) this.chains.delete(channel);
      }),
    );
  }

  private once = (key: string) => claimReceipt(this.ctx.db, P, key, this.ctx.now());

  private async perform(adapter: EventTelephony, channel: string, instructions: Instruction[]) {
    try {
      await adapter.perform(channel, stepsUntilWait(instructions));
    } catch (error) {
      this.ctx.log.warn({ provider: P, err: errorInfo(error) }, 'ARI instructions not carried out');
    }
  }

  /** The volunteer leg placed as this channel, waiting briefly for its originate answer to be stored. */
  private async legOf(channel: string): Promise<LegRow | null> {
    const until = Date.now() + LEG_ROW_WAIT_MS;
    for (;;) {
      const leg = await findLegByProviderLegId(this.ctx.db, P, channel);
      if (leg) return leg;
      if (Date.now() > until) return null;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** A key pressed in the language menu, on the page this channel hears; remembers the next page. */
  private async languageChoice(callId: string, channel: string, digits: string): Promise<Instruction[]> {
    const next = await handleLanguageChoice(this.ctx, callId, digits, this.menuPages.get(channel) ?? 0);
    const menu =
      next[0]?.kind === 'gather-digit' && next[0].actionUrl.includes('/language?') ? next[0] : null;
    const page = menu ? Number(new URL(menu.actionUrl).searchParams.get('page') ?? 0) : 0;
    if (page > 0) this.menuPages.set(channel, page);
    else this.menuPages.delete(channel);
    return next;
  }

  private async handle(adapter: EventTelephony, event: TelephonyEvent): Promise<void> {
    const { ctx } = this;
    switch (event.kind) {
      case 'inbound-call': {
        if (!(await this.once(`inbound:${event.providerCallId}`))) return;
        // The call row first, then ban list, rate limit, queue; ringing starts in the background.
        const { providerCallId, from, to } = event;
        const { instructions } = await handleInboundCall(ctx, P, { providerCallId, from, to });
        await this.perform(adapter, providerCallId, instructions);
        return;
      }
      case 'leg-status': {
        if (!(await this.once(`status:${event.legId}:${event.status}`))) return;
        const status = { legId: event.legId, status: event.status };
        const callerOf = await findCallByProviderId(ctx.db, P, event.legId);
        if (callerOf) {
          if (event.status !== 'in-progress') this.menuPages.delete(event.legId);
          await callerStatusChanged(ctx, P, status);
          // The caller is gone: the call's bridges (call, hold, listening) go with them.
          if (FINAL_LEG_STATUSES.has(event.status))
            await adapter.connectedCalls?.callEnded?.(queueName(callerOf.id)).catch((error: unknown) => {
              ctx.log.warn({ provider: P, err: errorInfo(error) }, 'call bridges not destroyed');
            });
          return;
        }
        const leg = await this.legOf(event.legId);
        if (!leg) return;
        await legStatusChanged(ctx, leg.callId, leg.id, status);
        // StasisStart of a leg we originated: the volunteer picked up; "press 1".
        if (event.status === 'in-progress')
          await this.perform(
            adapter,
            event.legId,
            await screenDocument(ctx, P, { callId: leg.callId, legId: leg.id, providerLegId: event.legId }),
          );
        return;
      }
      case 'digits': {
        const call = await findCallByProviderId(ctx.db, P, event.legId);
        if (call) {
          // The caller's own keys: the language menu or one CAPTCHA digit.
          const next =
            call.status === 'arriving'
              ? await this.languageChoice(call.id, event.legId, event.digits)
              : call.status === 'captcha'
                ? await handleCaptchaDigit(ctx, call.id, call.captchaInput.length, event.digits)
                : null;
          if (next) await this.perform(adapter, event.legId, next);
          return;
        }
        const leg = await this.legOf(event.legId);
        if (!leg) return;
        const step = { callId: leg.callId, legId: leg.id, providerLegId: event.legId };
        const next = await answerDocument(ctx, step, event.digits);
        await this.perform(adapter, event.legId, next);
        return;
      }
      case 'recording-ready': {
        if (!(await this.once(`recording:${event.recordingRef}`))) return;
        const call = event.callId ? await findCallByProviderId(ctx.db, P, event.callId) : null;
        if (!call) return;
        try {
          await storeVoicemail(ctx, adapter, call.id, event);
        } catch (error) {
          // The file stays in Asterisk's recordings directory; nothing is lost, an admin can fetch it.
          ctx.log.error({ callId: call.id, err: errorInfo(error) }, 'voicemail not stored');
        }
        // The caller pressed # or the time ran out: they may still be on the line.
        if (!call.endedAt)
          await this.perform(adapter, call.providerCallId, hangupWith(call.language, 'thanks'));
        return;
      }
    }
  }
}

/** Starts this process's ARI bridge (idle until asterisk credentials exist); returns its stop. */
export async function startAriBridge(ctx: ServerContext): Promise<() => void> {
  const bridge = new AriBridge(ctx);
  ctx.ariBridge = bridge;
  await bridge.restart();
  return () => {
    bridge.stop();
    if (ctx.ariBridge === bridge) ctx.ariBridge = null;
  };
}

/** Asterisk credentials saved or deleted: the running bridge is rebuilt with them (or stopped). */
export async function restartAriBridgeOn(ctx: ServerContext, change: SettingsChange): Promise<void> {
  if (change.kind === 'provider' && change.provider === P) await ctx.ariBridge?.restart();
}

/** For tests and health reports: whether this process is connected to Asterisk. */
export const ariBridgeState = (ctx: ServerContext): AriBridgeState => ctx.ariBridge?.state ?? 'idle';
