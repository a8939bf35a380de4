import {
  decryptHubEvent,
  deriveEventKey,
  fromBase64url,
  HUB_EVENT_KIND,
  type NostrEvent,
  unwrapHubKey,
} from '@llamenos/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { RawClient, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';
import { ensureHubKey, rotateHubKey } from './hub-keys.js';
import { publishHubEvent } from './publish.js';

const keyOf = async (res: Response, user: TestUser) => {
  expect(res.status).toBe(200);
  const { keyId, wrap } = (await res.json()) as { keyId: string; wrap: string };
  return { keyId, key: unwrapHubKey(fromBase64url(wrap), user.secretKey, keyId) };
};

describe('hub key lifecycle', () => {
  let s: RelayServer;
  let admin: TestUser;
  let stays: TestUser;
  let leaves: TestUser;

  beforeAll(async () => {
    s = await startRelayServer();
    admin = await s.addUser(['admin']);
    stays = await s.addUser(['volunteer']);
    leaves = await s.addUser(['volunteer']);
  });
  afterAll(() => s?.close());

  it('gives each member only their own wrap, and nothing to strangers', async () => {
    const a = await keyOf(await s.request('GET', '/api/hub-key', { as: stays }), stays);
    const b = await keyOf(await s.request('GET', '/api/hub-key', { as: leaves }), leaves);
    expect(a.keyId).toBe(b.keyId);
    expect(Buffer.from(a.key).equals(Buffer.from(b.key))).toBe(true);
    // Another member's wrap does not open with my key.
    const theirs = (await (await s.request('GET', '/api/hub-key', { as: leaves })).json()) as {
      wrap: string;
    };
    expect(() => unwrapHubKey(fromBase64url(theirs.wrap), stays.secretKey, a.keyId)).toThrow();
    expect((await s.request('GET', '/api/hub-key')).status).toBe(401);
  });

  it('rotates when a member is deactivated: the old key cannot read new events, the remaining member can', async () => {
    const old = await keyOf(await s.request('GET', '/api/hub-key', { as: stays }), stays);
    const gone = await RawClient.connect(s.relayUrl);
    expect((await gone.auth(leaves.secretKey, s.relayUrl))[2]).toBe(true);
    gone.send(['REQ', 'live', { kinds: [HUB_EVENT_KIND] }]);
    await gone.waitFor((m) => m[0] === 'EOSE');
    // An event before the rotation, under the old key (the publisher keeps its event key per hub key).
    const before: NostrEvent = await publishHubEvent(s.server.ctx, { type: 'shift:changed' });
    expect(JSON.parse(decryptHubEvent(deriveEventKey(old.key), before.content))).toEqual({
      type: 'shift:changed',
    });

    const res = await s.request('POST', `/api/users/${leaves.id}/deactivate`, { as: admin });
    expect(res.status).toBe(200);

    const closed = await gone.waitForClose();
    expect(closed.reason).toMatch(/^restricted: /);
    const fresh = await keyOf(await s.request('GET', '/api/hub-key', { as: stays }), stays);
    expect(fresh.keyId).not.toBe(old.keyId);
    expect((await s.request('GET', '/api/hub-key', { as: leaves })).status).toBe(401);

    const event: NostrEvent = await publishHubEvent(s.server.ctx, { type: 'shift:changed' });
    expect(() => decryptHubEvent(deriveEventKey(old.key), event.content)).toThrow();
    expect(JSON.parse(decryptHubEvent(deriveEventKey(fresh.key), event.content))).toEqual({
      type: 'shift:changed',
    });

    // The previous key stays readable for a while by those who held it (events in flight).
    const previous = await keyOf(await s.request('GET', `/api/hub-key/${old.keyId}`, { as: stays }), stays);
    expect(previous.keyId).toBe(old.keyId);
    // …and the removed member's AUTH is now refused.
    const again = await RawClient.connect(s.relayUrl);
    expect((await again.auth(leaves.secretKey, s.relayUrl))[3]).toMatch(/^restricted: /);
    again.close();
  });

  it('lets an admin force a rotation, audited, and refuses it to volunteers', async () => {
    expect((await s.request('POST', '/api/hub-key/rotate', { as: stays })).status).toBe(403);
    const before = await keyOf(await s.request('GET', '/api/hub-key', { as: stays }), stays);
    const res = await s.request('POST', '/api/hub-key/rotate', { as: admin });
    expect(res.status).toBe(200);
    const { keyId } = (await res.json()) as { keyId: string };
    expect(keyId).not.toBe(before.keyId);
    const [entry] = await s.server.ctx.db.query<{ action: string }>(
      "select action from audit_log where action = 'realtime.hub-key-rotated'",
    );
    expect(entry?.action).toBe('realtime.hub-key-rotated');
  });
});

describe('hub key concurrency', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline();
  });
  afterAll(() => h.close());

  it('never leaves two current keys, however many rotations race', async () => {
    await ensureHubKey(h.ctx);
    await Promise.all(Array.from({ length: 6 }, () => rotateHubKey(h.ctx, 'race')));
    const current = await h.ctx.db.query('select id from hub_keys where retired_at is null');
    expect(current).toHaveLength(1);
    const first = await Promise.all([ensureHubKey(h.ctx), ensureHubKey(h.ctx)]);
    expect(first[0]).toBe(first[1]);
  });

  it('wraps the current key for a member who joined after it was made', async () => {
    const late = await h.addUser(['volunteer']);
    const res = await h.request('GET', '/api/hub-key', { as: late });
    expect(res.status).toBe(200);
    const { keyId, wrap } = (await res.json()) as { keyId: string; wrap: string };
    expect(unwrapHubKey(fromBase64url(wrap), late.secretKey, keyId)).toHaveLength(32);
  });
});
