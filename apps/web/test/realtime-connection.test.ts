import {
  deriveEventKey,
  encryptHubEvent,
  generateHubKey,
  generateSecretKey,
  getPublicKey,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  type NostrEvent,
  signEvent,
  toBase64url,
  verifyEvent,
  wrapHubKey,
} from '@llamenos/crypto';
import type { HubEventPayload } from '@llamenos/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConnectionStatus, RelayClient } from '../src/lib/realtime/connection.js';
import { EventKeyRing } from '../src/lib/realtime/hub-keys.js';
import { FakeSocket } from './fake-socket.js';

const RELAY = 'ws://127.0.0.1:1/nostr';

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function hubEvent(payload: HubEventPayload, eventKey: Uint8Array, secretKey: Uint8Array): NostrEvent {
  return signEvent(
    {
      kind: HUB_EVENT_KIND,
      created_at: Math.floor(Date.now() / 1000),
      tags: [[...HUB_EVENT_TAG]],
      content: encryptHubEvent(eventKey, JSON.stringify(payload)),
    },
    secretKey,
  );
}

describe('RelayClient', () => {
  const server = generateSecretKey();
  const member = generateSecretKey();
  const other = generateSecretKey();
  const memberPub = getPublicKey(member);
  const otherPub = getPublicKey(other);
  let hubKeys: { id: string; key: Uint8Array }[];
  let fetches: number;
  let sockets: FakeSocket[];
  let events: { payload: HubEventPayload; from: string }[];
  let statuses: ConnectionStatus[];
  let connected: number;
  let client: RelayClient;
  let ring: EventKeyRing;
  let locked: boolean;

  const eventKey = (i = 0) => deriveEventKey(hubKeys[i]!.key);
  const socket = () => sockets[sockets.length - 1]!;

  async function connect(): Promise<FakeSocket> {
    await flush();
    const ws = socket();
    ws.open();
    ws.receive(['AUTH', 'challenge-1']);
    const auth = ws.last('AUTH')![1] as NostrEvent;
    ws.receive(['OK', auth.id, true, '']);
    return ws;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    hubKeys = [{ id: 'k1', key: generateHubKey() }];
    fetches = 0;
    sockets = [];
    events = [];
    statuses = [];
    connected = 0;
    locked = false;
    ring = new EventKeyRing({
      fetchCurrent: async () => {
        fetches++;
        const { id, key } = hubKeys[0]!;
        return { keyId: id, wrap: toBase64url(wrapHubKey(key, memberPub, id)), current: true };
      },
      secretKey: () => (locked ? null : member),
      now: () => Date.now(),
    });
    client = new RelayClient({
      relayUrl: RELAY,
      serverPubkey: getPublicKey(server),
      keys: ring,
      secretKey: () => (locked ? null : member),
      onStatus: (s) => statuses.push(s),
      onConnected: () => connected++,
      onEvent: (payload, from) => events.push({ payload, from }),
      createSocket: (url) => {
        expect(url).toBe(RELAY);
        const ws = new FakeSocket();
        sockets.push(ws);
        return ws as unknown as WebSocket;
      },
      random: () => 0.5,
    });
    client.start();
  });

  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  it('answers the NIP-42 challenge for this relay, then subscribes to hub events only', async () => {
    const ws = await connect();
    const auth = ws.last('AUTH')![1] as NostrEvent;
    expect(auth.kind).toBe(22242);
    expect(auth.pubkey).toBe(memberPub);
    expect(auth.tags).toEqual([
      ['relay', RELAY],
      ['challenge', 'challenge-1'],
    ]);
    expect(verifyEvent(auth)).toBe(true);
    const req = ws.last('REQ')!;
    expect(req[2]).toEqual({ kinds: [20001], '#t': ['llamenos:event'] });
    expect(statuses).toEqual(['connecting', 'connected']);
    expect(connected).toBe(1);
  });

  it('delivers server events and a member’s own presence, and nothing else', async () => {
    const ws = await connect();
    const sub = ws.last('REQ')![1];
    const deliver = async (event: NostrEvent) => {
      ws.receive(['EVENT', sub, event]);
      await flush();
    };
    const at = new Date().toISOString();
    await deliver(hubEvent({ type: 'settings:changed', sections: ['hotlineName'] }, eventKey(), server));
    await deliver(
      hubEvent({ type: 'presence', pubkey: otherPub, status: 'available', at }, eventKey(), other),
    );
    // A member may not forge server events, nor speak for someone else.
    await deliver(hubEvent({ type: 'shift:changed' }, eventKey(), other));
    await deliver(
      hubEvent({ type: 'presence', pubkey: memberPub, status: 'on-break', at }, eventKey(), other),
    );
    // A bad signature, another subscription, an invalid payload, a foreign key: all dropped.
    const forged = hubEvent({ type: 'shift:changed' }, eventKey(), server);
    await deliver({ ...forged, sig: forged.sig.replace(/^./, (c) => (c === '0' ? '1' : '0')) });
    ws.receive(['EVENT', 'another', hubEvent({ type: 'shift:changed' }, eventKey(), server)]);
    await deliver(
      hubEvent({ type: 'presence', pubkey: 'nope', status: 'available', at } as never, eventKey(), server),
    );
    await deliver(hubEvent({ type: 'shift:changed' }, deriveEventKey(generateHubKey()), server));
    // The same event twice is delivered once.
    const twice = hubEvent({ type: 'shift:changed' }, eventKey(), server);
    await deliver(twice);
    await deliver(twice);
    expect(events.map((e) => [e.payload.type, e.from])).toEqual([
      ['settings:changed', getPublicKey(server)],
      ['presence', otherPub],
      ['shift:changed', getPublicKey(server)],
    ]);
  });

  it('refetches the hub key when an event does not decrypt (rotation) and keeps the old key for late events', async () => {
    const ws = await connect();
    const sub = ws.last('REQ')![1];
    expect(fetches).toBe(1);
    const old = eventKey();
    hubKeys.unshift({ id: 'k2', key: generateHubKey() });
    vi.advanceTimersByTime(5_000);
    ws.receive(['EVENT', sub, hubEvent({ type: 'shift:changed' }, eventKey(), server)]);
    await flush();
    expect(fetches).toBe(2);
    expect(ring.currentId).toBe('k2');
    // An event published under the previous key just before the rotation still opens.
    ws.receive(['EVENT', sub, hubEvent({ type: 'settings:changed', sections: [] }, old, server)]);
    await flush();
    expect(events.map((e) => e.payload.type)).toEqual(['shift:changed', 'settings:changed']);
    // Junk does not make it refetch again right away.
    ws.receive(['EVENT', sub, hubEvent({ type: 'shift:changed' }, deriveEventKey(generateHubKey()), server)]);
    await flush();
    expect(fetches).toBe(2);
  });

  it('reconnects with backoff after a drop, and resyncs on every reconnection', async () => {
    const first = await connect();
    first.drop();
    expect(statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(999);
    await flush();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await flush();
    expect(sockets).toHaveLength(2);
    // This one fails before authenticating: the next wait is longer.
    socket().drop();
    vi.advanceTimersByTime(1_999);
    await flush();
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    await connect();
    expect(connected).toBe(2);
    expect(statuses.at(-1)).toBe('connected');
    // After a success the schedule starts again at 1 s.
    socket().drop();
    vi.advanceTimersByTime(1_000);
    await flush();
    expect(sockets).toHaveLength(4);
  });

  it('treats an unanswered publish as a dead connection', async () => {
    await connect();
    const event = client.sign({
      type: 'presence',
      pubkey: memberPub,
      status: 'available',
      at: new Date().toISOString(),
    });
    expect(event).not.toBeNull();
    expect(client.publish(event!)).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(statuses.at(-1)).toBe('reconnecting');
  });

  it('publishes presence encrypted with only the generic tag, and sends the farewell on stop', async () => {
    const ws = await connect();
    const at = new Date().toISOString();
    const hello = client.sign({ type: 'presence', pubkey: memberPub, status: 'available', at })!;
    const bye = client.sign({ type: 'presence', pubkey: memberPub, status: 'offline', at })!;
    client.publish(hello);
    expect(hello.tags).toEqual([['t', 'llamenos:event']]);
    expect(JSON.stringify(ws.sent)).not.toContain('available');
    client.stop(bye);
    expect((ws.last('EVENT')![1] as NostrEvent).id).toBe(bye.id);
    expect(ws.closed).toBe(true);
    expect(statuses.at(-1)).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('does not authenticate once locked', async () => {
    await flush();
    locked = true;
    const ws = socket();
    ws.open();
    ws.receive(['AUTH', 'challenge-1']);
    expect(ws.last('AUTH')).toBeUndefined();
  });
});
