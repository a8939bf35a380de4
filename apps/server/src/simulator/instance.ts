import type { CallRow } from '../calls/store.js';
import type { ServerContext } from '../http/context.js';
import { loadProviderCredentials, saveProviderCredentials } from '../settings/service.js';
import type { FakeTwilioApi } from '../telephony/simulator/fake-twilio-api.js';
import { simulatedCarrierApi, stopSimulatedCarrierApi } from '../telephony/simulator/instance.js';
import { SimulatedCarrier } from './carrier.js';

/**
 * One simulated carrier per server context, built on the in-process fake Twilio API that the
 * 'simulator' provider adapter talks to. Never in production. Its handles live in the context
 * (`ctx.simulator`), empty until first use.
 */
export interface SimulatorHandles {
  api: Promise<FakeTwilioApi> | null;
  carrier: Promise<SimulatedCarrier> | null;
  /** Where the server really listens: the carrier posts its webhooks there, over loopback. */
  origin: string | null;
}

/** The number a fresh install's simulated hotline answers on (a fictional 555 number). */
export const DEFAULT_SIMULATOR_NUMBER = '+15550100100';

export function simulatedCarrier(ctx: ServerContext): Promise<SimulatedCarrier> {
  if (ctx.config.isProduction) return Promise.reject(new Error('the simulated carrier is off in production'));
  const slot = ctx.simulator;
  if (!slot.carrier) {
    const carrier = simulatedCarrierApi(ctx).then((api) => {
      const c = new SimulatedCarrier(ctx, api);
      if (slot.origin) c.setOrigin(slot.origin);
      return c;
    });
    slot.carrier = carrier;
    carrier.catch(() => {
      if (slot.carrier === carrier) slot.carrier = null;
    });
  }
  return slot.carrier;
}

/** Called by the server once it listens: the carrier posts its webhooks there, over loopback. */
export function setSimulatorOrigin(ctx: ServerContext, host: string, port: number): void {
  const loopback = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
  ctx.simulator.origin = origin;
  void ctx.simulator.carrier?.then((c) => c.setOrigin(origin));
}

/**
 * The server is closing: the simulator page's long requests (WebRTC signalling waits) end now,
 * since http.close() waits for requests in flight.
 */
export function endSimulatorWaits(ctx: ServerContext): void {
  void ctx.simulator.carrier?.then((c) => c.audio.close()).catch(() => {});
}

export async function stopSimulatedCarrier(ctx: ServerContext): Promise<void> {
  const carrier = ctx.simulator.carrier;
  ctx.simulator.carrier = null;
  if (carrier) await (await carrier.catch(() => null))?.close();
  await stopSimulatedCarrierApi(ctx);
}

/**
 * The simulated hotline's numbers; a hotline with none gets the default one (saved as the
 * simulator provider's credentials, audited like any provider change), so that `npm start`
 * answers a simulated call with no setup.
 */
export async function simulatorNumbers(ctx: ServerContext): Promise<string[]> {
  const stored = await loadProviderCredentials(ctx, 'simulator');
  if (stored?.phoneNumbers.length) return stored.phoneNumbers;
  await saveProviderCredentials(ctx, { pubkey: null, ipHash: null }, 'simulator', {
    phoneNumbers: [DEFAULT_SIMULATOR_NUMBER],
  });
  return [DEFAULT_SIMULATOR_NUMBER];
}

/** Connects a volunteer who answered in the browser: the carrier bridges the waiting caller to them. */
export async function connectSimulatedBrowser(
  ctx: ServerContext,
  call: CallRow,
  userId: string,
): Promise<void> {
  (await simulatedCarrier(ctx)).connectBrowser(call.providerCallId, userId);
}
