import { ariBridgeState } from '../src/calls/index.js';
import type { ServerContext } from '../src/http/context.js';
import { saveProviderCredentials } from '../src/settings/service.js';
import { waitFor } from './calls-helpers.js';
import type { FakeAri } from './fakes/ari.js';

/**
 * Asterisk played by the local fake ARI for call-router tests: the account, connecting a
 * hotline to it, a caller arriving, and the prompt ends Asterisk reports by itself.
 */

/** The ARI user and Stasis application the hotline is configured with in tests. */
export const TEST_ARI_ACCOUNT = {
  username: 'llamenos',
  password: 'ari-password-0123',
  app: 'llamenos-hotline',
};

/**
 * Reports every playback finished a moment (at most 20 ms) after it starts, as Asterisk reports
 * the end of every prompt. Returns the function that stops it.
 */
export function finishPlaybacks(fake: FakeAri): () => void {
  let reported = 0;
  const timer = setInterval(() => {
    for (; reported < fake.playbacks.length; reported++)
      fake.emit({ type: 'PlaybackFinished', playback: { id: fake.playbacks[reported] } });
  }, 20);
  return () => clearInterval(timer);
}

/**
 * Makes Asterisk (the fake, with `account`) the hotline's provider for `number` and waits until
 * the bridge runs on a new events socket. `sipWebSocketUrl` lets volunteers answer in the browser.
 */
export async function connectAsterisk(
  ctx: ServerContext,
  fake: FakeAri,
  number: string,
  options: { account?: typeof TEST_ARI_ACCOUNT; sipWebSocketUrl?: string } = {},
): Promise<void> {
  const before = fake.openSockets;
  await saveProviderCredentials(ctx, { pubkey: null, ipHash: null }, 'asterisk', {
    ariUrl: fake.baseUrl,
    ...(options.account ?? TEST_ARI_ACCOUNT),
    ...(options.sipWebSocketUrl ? { sipWebSocketUrl: options.sipWebSocketUrl } : {}),
    phoneNumbers: [number],
  });
  await waitFor(() => ariBridgeState(ctx) === 'running' && fake.openSockets === before + 1, 'ARI socket');
}

/** A caller from `from` dials `number`: their channel enters our Stasis application. Returns its id. */
export function callerEntersStasis(fake: FakeAri, number: string, from: string): string {
  const channel = fake.addChannel('Ring');
  fake.emit({
    type: 'StasisStart',
    args: [],
    channel: { id: channel.id, state: 'Ring', caller: { number: from }, dialplan: { exten: number } },
  });
  return channel.id;
}
