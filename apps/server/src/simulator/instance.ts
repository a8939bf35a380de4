import { registerBrowserConnector } from '../calls/browser.js';
import type { ServerContext } from '../http/context.js';
import { loadProviderCredentials, saveProviderCredentials } from '../settings/service.js';
import { simulatedCarrierApi, stopSimulatedCarrierApi } from '../telephony/simulator/instance.js';
import { SimulatedCarrier } from './carrier.js';

/**
 * One simulated carrier per server context, built on the in-process fake Twilio API that the
 * 'simulator' provider adapter talks to. Never in production.
 */
const carriers = new WeakMap<ServerContext, Promise<SimulatedCarrier>>();
const origins = new WeakMap<ServerContext, string>();

/** The number a fresh install's simulated hotline answers on (a fictional 555 number). */
export const DEFAULT_SIMULATOR_NUMBER = '+15550100100';

export function simulatedCarrier(ctx: ServerContext): Promise<SimulatedCarrier> {
  if (ctx.config.isProduction) return Promise.reject(new Error('the simulated carrier is off in production'));
  let carrier = carriers.get(ctx);
  if (!carrier) {
    carrier = simulatedCarrierApi(ctx).then((api) => {
      const c = new SimulatedCarrier(ctx, api);
      const origin = origins.get(ctx);
      if (origin) c.setOrigin(origin);
      return c;
    });
    carriers.set(ctx, carrier);
    carrier.catch(() => carriers.delete(ctx));
  }
  return carrier;
}

/** Called by the server once it listens: the carrier posts its webhooks there, over loopback. */
export function setSimulatorOrigin(ctx: ServerContext, host: string, port: number): void {
  const loopback = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
  origins.set(ctx, origin);
  void carriers.get(ctx)?.then((c) => c.setOrigin(origin));
}

export async function stopSimulatedCarrier(ctx: ServerContext): Promise<void> {
  const carrier = carriers.get(ctx);
  carriers.delete(ctx);
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

registerBrowserConnector('simulator', async (ctx, call, _userId) => {
  (await simulatedCarrier(ctx)).connectBrowser(call.providerCallId, _userId);
});
