import { HubEventPayload } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../test/helpers.js';
import { listenToHubEvents, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';

/**
 * A messaging channel saved or removed reaches clients as its own section name, not as the
 * telephony providers': an admin's channels screen re-reads the channels, and nothing else does.
 */
describe('messaging channel changes reach clients', () => {
  let s: RelayServer;
  let admin: TestUser;

  beforeAll(async () => {
    s = await startRelayServer();
    admin = await s.addUser(['admin']);
  });
  afterAll(() => s.close());

  it("publishes settings:changed naming 'messaging-channels' when a channel is saved and removed", async () => {
    const hub = await listenToHubEvents(s, admin);
    const settingsEvent = async () => HubEventPayload.parse((await hub.next('settings:changed')).payload);

    const body = {
      accountSid: `AC${'cd'.repeat(16)}`,
      authToken: 'a-fake-token-1234',
      phoneNumbers: ['+15550100177'],
    };
    const saving = settingsEvent();
    expect((await s.request('PUT', '/api/settings/channels/twilio-sms', { as: admin, body })).status).toBe(
      200,
    );
    expect(await saving).toEqual({ type: 'settings:changed', sections: ['messaging-channels'] });

    const removing = settingsEvent();
    expect((await s.request('DELETE', '/api/settings/channels/twilio-sms', { as: admin })).status).toBe(204);
    expect(await removing).toEqual({ type: 'settings:changed', sections: ['messaging-channels'] });
    hub.close();
  });
});
