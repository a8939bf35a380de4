import { randomBytes } from 'node:crypto';
import { HUB_EVENT_KIND, type NostrEvent } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';
import { publishHubEvent } from './publish.js';

/**
 * NOSTR_RELAY_URL: the server publishes to an external relay instead of serving /nostr. Here the
 * "external" relay is another server's embedded one, sharing the server secret (so it knows the
 * publishing key), which speaks the same NIP-42 handshake strfry does.
 */
describe('external relay (NOSTR_RELAY_URL)', () => {
  let relayHost: RelayServer;
  let app: RelayServer;

  beforeAll(async () => {
    const secret = randomBytes(32).toString('hex');
    relayHost = await startRelayServer({ SERVER_SECRET: secret });
    app = await startRelayServer({ SERVER_SECRET: secret, NOSTR_RELAY_URL: relayHost.relayUrl });
  });
  afterAll(async () => {
    await app?.close();
    await relayHost?.close();
  });

  it('tells clients to use the external relay and has no /nostr of its own', async () => {
    const config = (await (await app.request('GET', '/api/config')).json()) as { relayUrl: string };
    expect(config.relayUrl).toBe(relayHost.relayUrl);
    await expect(RawClient.connect(app.relayUrl)).rejects.toThrow();
  });

  it('authenticates with the server key and publishes there', async () => {
    const member = await relayHost.addUser(['volunteer']);
    const client = await RawClient.connect(relayHost.relayUrl);
    expect((await client.auth(member.secretKey, relayHost.relayUrl))[2]).toBe(true);
    client.send(['REQ', 'live', { kinds: [HUB_EVENT_KIND] }]);
    await client.waitFor((m) => m[0] === 'EOSE');
    let sent: NostrEvent | null = null;
    // The publisher connects in the background; the first events wait in its queue.
    sent = await publishHubEvent(app.server.ctx, { type: 'shift:changed' });
    const got = await client.waitFor((m) => m[0] === 'EVENT', 10_000);
    expect((got[2] as NostrEvent).id).toBe(sent.id);
    expect((got[2] as NostrEvent).pubkey).toBe(app.server.ctx.keys.nostrPublicKey);
    client.close();
  });
});
