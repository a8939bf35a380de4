import {
  DEFAULT_SETTINGS,
  type HotlineSettings,
  type HubEventPayload,
  type TelephonyProvider,
} from '@llamenos/protocol';
import type { Queryable } from '../db/database.js';
import type { ServerContext } from '../http/context.js';
import { maskPhones } from '../logging.js';
import { publishHubEvent } from '../realtime/publish.js';
import { cachedSettings, SETTINGS_FRESH_MS, settingsGeneration } from '../settings/cache.js';
import { TelephonyNotConfiguredError } from '../telephony/errors.js';
import type { EventTelephony, Telephony, WebhookTelephony } from '../telephony/provider.js';
import { createTelephony, type TelephonyOverrides } from '../telephony/registry.js';
import type { BrowserAudio, BrowserConnector } from './browser.js';
import type { SupervisionSignals } from './supervision-signals.js';
import type { TrainingLines } from './training/lines.js';
import type { ConsultSignals } from './warm-transfer-signals.js';

/** What carries a call: a telephony provider, or the training line's browser-to-browser call (no provider). */
export type CallCarrier = TelephonyProvider | 'training';

/*
 * What the call router takes from the server context, in one place: the provider adapters,
 * the hotline settings as a call reads them, work that must not hold a webhook's response,
 * and the real-time notices about calls. Each is a thin, failure-tolerant use of a context
 * field; the rules of a call live in the files that use them.
 */

// ---------------------------------------------------------------------------------------------
// Provider adapters

/**
 * The router's way to a provider adapter, held by the server context. Webhook adapters are
 * built from stored credentials and kept for a second (keptAdapter): a changed token applies
 * to the next request on this process, and within a second on the others.
 */
export interface TelephonyWiring {
  /** Given to the context builder by tests (a local fake API, a shorter limit); empty in production. */
  readonly overrides: Partial<Record<TelephonyProvider, TelephonyOverrides>>;
  /**
   * Event adapters (Asterisk ARI) are built once and kept by their bridge (ari-bridge.ts): their
   * events socket and the state of prompts and screenings live in that one object, so every
   * operation on their calls must go through it.
   */
  readonly eventAdapters: Map<TelephonyProvider, EventTelephony>;
  /** How a volunteer who answered in the browser is connected, by provider (browser.ts). */
  readonly browserConnectors: Partial<Record<CallCarrier, BrowserConnector>>;
  /** WebRTC signalling for browser-answered calls, by provider (browser.ts, webrtc-signalling.ts). */
  readonly browserAudio: Partial<Record<CallCarrier, BrowserAudio>>;
  /** Webhook adapters built from stored credentials, kept for a moment (keptAdapter). */
  readonly adapters: Map<TelephonyProvider, KeptAdapter>;
  /** The talks before warm transfers, volunteer to volunteer (warm-transfer.ts). */
  readonly consults: ConsultSignals;
  /** The training line's calls, trainer's browser to trainee's (training/lines.ts). */
  readonly training: TrainingLines;
  /** Admins listening silently to browser calls (supervision.ts). */
  readonly supervisions: SupervisionSignals;
}

/** An adapter built from the stored credentials, and under which settings it was built. */
export interface KeptAdapter {
  adapter: Promise<Telephony>;
  /** performance.now() when built. */
  builtAt: number;
  /** The settings cache's generation then: any change saved on this process since rebuilds it. */
  generation: number;
}

/**
 * The adapter for `provider`, built from its stored credentials at most once a second per
 * process: every webhook and every leg needs one, and building it reads and opens the sealed
 * credentials (or derives the simulator's account). A change saved on this process rebuilds it
 * at once (the settings generation moved); one saved on another process within a second, as
 * the settings themselves (settings/cache.ts). A build that fails is not kept.
 */
function keptAdapter(ctx: ServerContext, provider: TelephonyProvider): Promise<Telephony> {
  const kept = ctx.telephony.adapters.get(provider);
  const generation = settingsGeneration(ctx);
  if (kept && kept.generation === generation && performance.now() - kept.builtAt < SETTINGS_FRESH_MS)
    return kept.adapter;
  const entry: KeptAdapter = {
    adapter: createTelephony(ctx, provider, telephonyOverrides(ctx, provider)),
    builtAt: performance.now(),
    generation,
  };
  ctx.telephony.adapters.set(provider, entry);
  entry.adapter.catch(() => {
    if (ctx.telephony.adapters.get(provider) === entry) ctx.telephony.adapters.delete(provider);
  });
  return entry.adapter;
}

/** The test overrides given for `provider` (none in production). */
export const telephonyOverrides = (ctx: ServerContext, provider: TelephonyProvider): TelephonyOverrides =>
  ctx.telephony.overrides[provider] ?? {};

/**
 * What ringing, cancelling, hanging up and voicemail use: any provider's call control. For an
 * event provider, the adapter its bridge keeps; with no bridge running there is none.
 */
export async function controlAdapter(ctx: ServerContext, provider: TelephonyProvider): Promise<Telephony> {
  const kept = ctx.telephony.eventAdapters.get(provider);
  if (kept) return kept;
  const adapter = await keptAdapter(ctx, provider);
  if (adapter.transport === 'events')
    throw new TelephonyNotConfiguredError(provider, 'route', 'its event bridge is not running');
  return adapter;
}

/** The webhook adapter for `provider`; event transports (Asterisk ARI) have no webhooks. */
export async function webhookAdapter(
  ctx: ServerContext,
  provider: TelephonyProvider,
): Promise<WebhookTelephony> {
  const adapter = await keptAdapter(ctx, provider);
  if (adapter.transport !== 'webhook')
    throw new TelephonyNotConfiguredError(provider, 'route', 'event transports are not routed by webhooks');
  return adapter;
}

/** Only the simulated carrier and the training line connect a volunteer who answers in the browser here. */
export const connectsBrowsers = (provider: string): boolean =>
  provider === 'simulator' || provider === 'training';

/** Error details safe to log: provider errors are already masked; others by name and message. */
export const errorInfo = (error: unknown) => ({
  name: (error as Error)?.name ?? 'Error',
  message: maskPhones(String((error as Error)?.message ?? error)).slice(0, 300),
});

// ---------------------------------------------------------------------------------------------
// Settings

/**
 * The settings a call needs: the process's kept copy (settings/cache.ts), fresh within a second
 * of a change on any process and at once on this one, so admins still toggle the IVR menu and
 * the CAPTCHA live without every webhook reading and validating the document. A stored
 * document gone bad must not drop callers: the defaults apply and the fault is logged.
 */
export async function callSettings(ctx: ServerContext, db: Queryable = ctx.db): Promise<HotlineSettings> {
  try {
    return await cachedSettings(ctx, db);
  } catch (error) {
    ctx.log.error({ err: errorInfo(error) }, 'settings unreadable; calls use the defaults');
    return DEFAULT_SETTINGS;
  }
}

// ---------------------------------------------------------------------------------------------
// Background work

/**
 * Work started by a webhook that must not hold its response (ringing volunteers, cancelling
 * losing legs). Every piece is also recoverable from the database by the timer tick, so a
 * crash loses nothing; the context's set of work in flight only lets close() and tests wait.
 */
export function inBackground(ctx: ServerContext, what: string, work: () => Promise<unknown>): void {
  const pending = ctx.backgroundWork;
  const running = Promise.resolve()
    .then(work)
    .catch((error: unknown) =>
      ctx.log.error(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message }, what },
        'background work failed',
      ),
    );
  pending.add(running);
  void running.finally(() => pending.delete(running));
}

/** Resolves when every piece of background call work started so far (and what it started) is done. */
export async function settleCallWork(ctx: ServerContext): Promise<void> {
  while (ctx.backgroundWork.size) await Promise.allSettled([...ctx.backgroundWork]);
}

// ---------------------------------------------------------------------------------------------
// Real-time notices

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
