import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../test/helpers.js';
import { listenToHubEvents, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';

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
    const hub = await listenToHubEvents(s, volunteer);

    const created = await s.request('POST', '/api/shifts', {
      as: admin,
      body: { name: 'Night line', weekday: 4, start: '22:00', durationMinutes: 600 },
    });
    expect(created.status).toBe(201);

    const { event, payload } = await hub.next('shift:changed');
    expect(payload).toEqual({ type: 'shift:changed' });
    // The relay sees only ciphertext and the generic tag.
    expect(event.content).not.toContain('shift');
    expect(event.tags).toEqual([['t', 'llamenos:event']]);
    hub.close();
  });
});
