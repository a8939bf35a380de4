import {
  decryptHubEvent,
  deriveEventKey,
  fromBase64url,
  HUB_EVENT_KIND,
  type NostrEvent,
  unwrapHubKey,
} from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../test/helpers.js';
import { RawClient, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';

describe('schedule changes reach clients', () => {
  let s: RelayServer;
  let admin: TestUser;
  let volunteer: TestUser;

  beforeAll(async () => {
    s = await startRelayServer();
    admin = await s.addUser(['admin']);
    volunteer = await s.addUser(['volunteer']);
  });
  afterAll(() => s.close());

  it('publishes an encrypted shift:changed event when an admin creates a shift', async () => {
    const res = await s.request('GET', '/api/hub-key', { as: volunteer });
    const { keyId, wrap } = (await res.json()) as { keyId: string; wrap: string };
    const eventKey = deriveEventKey(unwrapHubKey(fromBase64url(wrap), volunteer.secretKey, keyId));

    const client = await RawClient.connect(s.relayUrl);
    await client.auth(volunteer.secretKey, s.relayUrl);
    client.send(['REQ', 'hub', { kinds: [HUB_EVENT_KIND], '#t': ['llamenos:event'] }]);
    await client.waitFor((m) => m[0] === 'EOSE');

    const created = await s.request('POST', '/api/shifts', {
      as: admin,
      body: { name: 'Night line', weekday: 4, start: '22:00', durationMinutes: 600 },
    });
    expect(created.status).toBe(201);

    const frame = await client.waitFor(
      (m) =>
        m[0] === 'EVENT' && decryptHubEvent(eventKey, (m[2] as NostrEvent).content).includes('shift:changed'),
    );
    const event = frame[2] as NostrEvent;
    expect(JSON.parse(decryptHubEvent(eventKey, event.content))).toEqual({ type: 'shift:changed' });
    // The relay sees only ciphertext and the generic tag.
    expect(event.content).not.toContain('shift');
    expect(event.tags).toEqual([['t', 'llamenos:event']]);
    client.close();
  });
});
