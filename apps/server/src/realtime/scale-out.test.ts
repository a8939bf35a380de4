import { randomBytes } from 'node:crypto';
import { HUB_EVENT_KIND, type NostrEvent } from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_PG_URL, type TestUser } from '../../test/helpers.js';
import { RawClient, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';
import { openPostgres } from '../db/postgres.js';
import { publishHubEvent } from './publish.js';

const SUB = { kinds: [HUB_EVENT_KIND] };

/** Two server processes (each with its own pool and LISTEN connection) on one PostgreSQL database. */
describe.skipIf(!TEST_PG_URL)('two server processes on one PostgreSQL', () => {
  let a: RelayServer;
  let b: RelayServer;
  let drop: () => Promise<void>;
  let member: TestUser;
  let admin: TestUser;
  let leaving: TestUser;

  beforeAll(async () => {
    const test = await openTestDatabase();
    drop = test.drop;
    const serverSecret = randomBytes(32).toString('hex');
    a = await startRelayServer({}, { db: test.db, serverSecret });
    b = await startRelayServer({}, { db: await openPostgres(test.url!), serverSecret });
    member = await a.addUser(['volunteer']);
    admin = await a.addUser(['admin']);
    leaving = await a.addUser(['volunteer']);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  it('delivers an event published on A to a client connected to B', async () => {
    const client = await RawClient.connect(b.relayUrl);
    expect((await client.auth(member.secretKey, b.relayUrl))[2]).toBe(true);
    client.send(['REQ', 'live', SUB]);
    await client.waitFor((m) => m[0] === 'EOSE');
    const sent = await publishHubEvent(a.server.ctx, { type: 'voicemail:new', callId: 'c-9' });
    const got = await client.waitFor((m) => m[0] === 'EVENT');
    expect((got[2] as NostrEvent).id).toBe(sent.id);
    // An event too large for a NOTIFY payload goes through the outbox table.
    const big = await publishHubEvent(a.server.ctx, {
      type: 'settings:changed',
      sections: Array.from({ length: 32 }, () => 'providers' as const),
    });
    const { signEvent, HUB_EVENT_TAG } = await import('@llamenos/crypto');
    const huge = signEvent(
      {
        kind: HUB_EVENT_KIND,
        created_at: big.created_at,
        tags: [[...HUB_EVENT_TAG]],
        content: 'y'.repeat(9000),
      },
      a.server.ctx.keys.nostrSecretKey,
    );
    const { realtimeOf } = await import('./registry.js');
    await realtimeOf(a.server.ctx)!.publish(huge);
    const gotHuge = await client.waitFor((m) => m[0] === 'EVENT' && (m[2] as NostrEvent).id === huge.id);
    expect((gotHuge[2] as NostrEvent).content).toHaveLength(9000);
    client.close();
  });

  it('closes a deactivated member’s connection on the other process', async () => {
    const client = await RawClient.connect(b.relayUrl);
    expect((await client.auth(leaving.secretKey, b.relayUrl))[2]).toBe(true);
    expect((await a.request('POST', `/api/users/${leaving.id}/deactivate`, { as: admin })).status).toBe(200);
    expect((await client.waitForClose()).reason).toMatch(/^restricted: /);
  });
});
