import {
  decryptHubEvent,
  deriveEventKey,
  fromBase64url,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  type NostrEvent,
  signEvent,
  unwrapHubKey,
  verifyEvent,
} from '@llamenos/crypto';
import { MAX_MEMBER_EVENT_CONTENT } from '@llamenos/protocol';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TestUser } from '../../test/helpers.js';
import { RawClient, type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';
import {
  MAX_FILTERS,
  MAX_FRAME_BYTES,
  MAX_SUBSCRIPTIONS,
  MESSAGE_BURST,
  REFUSALS_FORGIVEN_PER_SECOND,
  REFUSALS_TOLERATED,
} from './limits.js';
import { publishHubEvent } from './publish.js';
import { realtimeOf } from './registry.js';

useWebSocketImplementation(WebSocket);

const hubEvent = (secretKey: Uint8Array, overrides: Partial<NostrEvent> = {}): NostrEvent =>
  signEvent(
    {
      kind: HUB_EVENT_KIND,
      created_at: Math.floor(Date.now() / 1000),
      tags: [[...HUB_EVENT_TAG]],
      content: 'opaque',
      ...overrides,
    },
    secretKey,
  );

const SUB = { kinds: [HUB_EVENT_KIND], '#t': [HUB_EVENT_TAG[1]] };

describe('embedded relay', () => {
  let s: RelayServer;
  let member: TestUser;
  let other: TestUser;
  const clients: RawClient[] = [];
  const connect = async () => {
    const client = await RawClient.connect(s.relayUrl);
    clients.push(client);
    return client;
  };
  const authed = async (user: TestUser) => {
    const client = await connect();
    expect((await client.auth(user.secretKey, s.relayUrl))[2]).toBe(true);
    return client;
  };

  beforeAll(async () => {
    s = await startRelayServer();
    member = await s.addUser(['volunteer']);
    other = await s.addUser(['volunteer']);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await s?.close();
  });

  it('publishes its URL and the server key in /api/config', async () => {
    const config = await (await s.request('GET', '/api/config')).json();
    expect(config.relayUrl).toBe(s.relayUrl);
    expect(config.serverPubkey).toBe(s.server.ctx.keys.nostrPublicKey);
  });

  it('refuses REQ and EVENT before AUTH', async () => {
    const c = await connect();
    expect(c.challenge).toMatch(/^[0-9a-f]{32}$/);
    c.send(['REQ', 'early', SUB]);
    const closed = await c.waitFor((m) => m[0] === 'CLOSED');
    expect(closed[1]).toBe('early');
    expect(closed[2]).toMatch(/^auth-required: /);
    const event = hubEvent(member.secretKey);
    c.send(['EVENT', event]);
    const ok = await c.ok(event.id);
    expect(ok[2]).toBe(false);
    expect(ok[3]).toMatch(/^auth-required: /);
  });

  it('refuses AUTH with the wrong challenge, the wrong relay URL, or a non-member key', async () => {
    const c = await connect();
    const wrongChallenge = await c.auth(member.secretKey, s.relayUrl, { challenge: 'not-the-challenge' });
    expect(wrongChallenge[2]).toBe(false);
    expect(wrongChallenge[3]).toMatch(/^invalid: /);
    const wrongRelay = await c.auth(member.secretKey, s.relayUrl, { relay: 'ws://elsewhere.example/nostr' });
    expect(wrongRelay[2]).toBe(false);
    expect(wrongRelay[3]).toMatch(/^invalid: /);
    const { generateSecretKey } = await import('@llamenos/crypto');
    const stranger = await c.auth(generateSecretKey(), s.relayUrl);
    expect(stranger[2]).toBe(false);
    expect(stranger[3]).toMatch(/^restricted: /);
    // Still unauthenticated after all that.
    c.send(['REQ', 'x', SUB]);
    expect((await c.waitFor((m) => m[0] === 'CLOSED'))[2]).toMatch(/^auth-required: /);
  });

  it('delivers a server event to a member using nostr-tools, who decrypts it with their own wrap', async () => {
    const relay = await Relay.connect(s.relayUrl);
    relay.onauth = async (template) => signEvent(template as never, member.secretKey) as never;
    await new Promise((r) => setTimeout(r, 50)); // the challenge arrives first
    await relay.auth(async (template) => signEvent(template as never, member.secretKey) as never);
    const received = new Promise<NostrEvent>((resolve) => {
      relay.subscribe([SUB], { onevent: (e) => resolve(e as NostrEvent) });
    });
    await new Promise((r) => setTimeout(r, 100));
    const sent = await publishHubEvent(s.server.ctx, {
      type: 'call:ring',
      callId: 'call-1',
      callerLast4: '1234',
      startedAt: new Date().toISOString(),
    });
    const event = await received;
    expect(event.id).toBe(sent.id);
    expect(event.pubkey).toBe(s.server.ctx.keys.nostrPublicKey);
    expect(event.tags).toEqual([['t', 'llamenos:event']]);
    // Signed through the WASM engine, checked with the project's own verifier.
    expect(verifyEvent(event)).toBe(true);
    expect(event.content).not.toContain('call');
    const { keyId, wrap } = await (await s.request('GET', '/api/hub-key', { as: member })).json();
    const hubKey = unwrapHubKey(fromBase64url(wrap), member.secretKey, keyId);
    const payload = JSON.parse(decryptHubEvent(deriveEventKey(hubKey), event.content));
    expect(payload).toMatchObject({ type: 'call:ring', callId: 'call-1', callerLast4: '1234' });
    relay.close();
  });

  it('refuses a forged server event as invalid', async () => {
    const c = await authed(member);
    const real = hubEvent(member.secretKey);
    const forged = { ...real, pubkey: s.server.ctx.keys.nostrPublicKey };
    c.send(['EVENT', forged]);
    const ok = await c.ok(forged.id);
    expect(ok[2]).toBe(false);
    expect(ok[3]).toMatch(/^invalid: /);
    const tampered = { ...real, content: 'changed' };
    c.send(['EVENT', tampered]);
    expect((await c.ok(tampered.id))[3]).toMatch(/^invalid: /);
  });

  it('lets members publish only kind 20001 with the generic tag, and forwards those', async () => {
    const publisher = await authed(member);
    const listener = await authed(other);
    listener.send(['REQ', 'all', SUB]);
    await listener.waitFor((m) => m[0] === 'EOSE');
    const note = hubEvent(member.secretKey, { kind: 1 });
    publisher.send(['EVENT', note]);
    expect((await publisher.ok(note.id))[3]).toMatch(/^restricted: /);
    const tagged = hubEvent(member.secretKey, { tags: [[...HUB_EVENT_TAG], ['type', 'presence']] });
    publisher.send(['EVENT', tagged]);
    expect((await publisher.ok(tagged.id))[3]).toMatch(/^restricted: /);
    const otherTag = hubEvent(member.secretKey, { tags: [['t', 'hub-42']] });
    publisher.send(['EVENT', otherTag]);
    expect((await publisher.ok(otherTag.id))[3]).toMatch(/^restricted: /);
    const someoneElses = hubEvent(other.secretKey);
    publisher.send(['EVENT', someoneElses]);
    expect((await publisher.ok(someoneElses.id))[3]).toMatch(/^restricted: /);
    const presence = hubEvent(member.secretKey);
    publisher.send(['EVENT', presence]);
    expect((await publisher.ok(presence.id))[2]).toBe(true);
    const delivered = await listener.waitFor((m) => m[0] === 'EVENT');
    expect(delivered[1]).toBe('all');
    expect((delivered[2] as NostrEvent).id).toBe(presence.id);
  });

  it('refuses a member event longer than any presence announcement, and forwards one that fits', async () => {
    const publisher = await authed(member);
    const long = hubEvent(member.secretKey, { content: 'x'.repeat(MAX_MEMBER_EVENT_CONTENT + 1) });
    publisher.send(['EVENT', long]);
    expect((await publisher.ok(long.id))[3]).toMatch(/^restricted: /);
    // Whatever it decrypts to: the relay cannot read it, so clients judge the payload.
    const fits = hubEvent(member.secretKey, { content: 'x'.repeat(MAX_MEMBER_EVENT_CONTENT) });
    publisher.send(['EVENT', fits]);
    expect((await publisher.ok(fits.id))[2]).toBe(true);
  });

  it('answers malformed, oversized and non-JSON frames with invalid:, and keeps the connection', async () => {
    const c = await authed(member);
    c.send('this is not json');
    expect((await c.waitFor((m) => m[0] === 'NOTICE'))[1]).toMatch(/^invalid: /);
    let seen = c.messages.length;
    c.send(JSON.stringify({ not: 'an array' }));
    expect((await c.waitFor((m) => m[0] === 'NOTICE', 5000, seen))[1]).toMatch(/^invalid: /);
    seen = c.messages.length;
    c.send(['EVENT', { id: 'short' }]);
    const bad = await c.waitFor((m) => m[0] === 'OK' && m[1] === 'short', 5000, seen);
    expect(bad[3]).toMatch(/^invalid: /);
    seen = c.messages.length;
    c.send(['REQ', 'big', { kinds: [1], content: 'x'.repeat(MAX_FRAME_BYTES) }]);
    expect((await c.waitFor((m) => m[0] === 'NOTICE', 5000, seen))[1]).toMatch(/^invalid: .*larger/);
    seen = c.messages.length;
    c.send(['REQ', 'many', ...Array.from({ length: MAX_FILTERS + 1 }, () => SUB)]);
    expect((await c.waitFor((m) => m[0] === 'CLOSED' && m[1] === 'many', 5000, seen))[2]).toMatch(
      /^invalid: /,
    );
    c.send(['REQ', 'weird', { colour: ['red'] }]);
    expect((await c.waitFor((m) => m[0] === 'CLOSED' && m[1] === 'weird'))[2]).toMatch(/^invalid: /);
    c.send(['HELLO']);
    seen = c.messages.length;
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) c.send(['REQ', `s${i}`, SUB]);
    c.send(['REQ', 'one-too-many', SUB]);
    expect((await c.waitFor((m) => m[0] === 'CLOSED' && m[1] === 'one-too-many'))[2]).toMatch(/^blocked: /);
    expect(c.closed).toBeNull();
  });

  it('rate-limits a flood from one connection while serving everyone else', async () => {
    const flooder = await authed(member);
    const bystander = await authed(other);
    bystander.send(['REQ', 'live', SUB]);
    await bystander.waitFor((m) => m[0] === 'EOSE');
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const e = hubEvent(member.secretKey, { content: `flood ${i}` });
      ids.push(e.id);
      flooder.send(['EVENT', e]);
    }
    const limited = await flooder.waitFor((m) => m[0] === 'OK' && m[2] === false);
    expect(limited[3]).toMatch(/^rate-limited: /);
    const sent = await publishHubEvent(s.server.ctx, { type: 'shift:changed' });
    const got = await bystander.waitFor((m) => m[0] === 'EVENT' && (m[2] as NostrEvent).id === sent.id);
    expect(got).toBeTruthy();
  });

  it('closes a connection that floods far past the rate, saying why first', async () => {
    const flooder = await authed(member);
    const bystander = await authed(other);
    bystander.send(['REQ', 'live', SUB]);
    await bystander.waitFor((m) => m[0] === 'EOSE');
    const seen = flooder.messages.length;
    const floodStarted = performance.now();
    // 2,000 REQs as a real link delivers them: in packets, so the bucket refills a token now and
    // then, which must not wipe the record of everything refused before.
    for (let i = 0; i < 2_000 && !flooder.closed; i++) {
      flooder.send(['REQ', 'flood', SUB]);
      if (i % 40 === 39) await new Promise((r) => setTimeout(r, 25));
    }
    const closed = await flooder.waitForClose(10_000);
    const floodSeconds = (performance.now() - floodStarted) / 1000;
    expect(closed).toEqual({ code: 1008, reason: 'rate-limited: too many messages' });
    const said = flooder.messages.slice(seen);
    expect(said.at(-1)).toEqual(['NOTICE', 'rate-limited: too many messages over the limit; closing']);
    const refused = said.filter((m) => m[0] === 'CLOSED' && String(m[2]).startsWith('rate-limited: '));
    // Cut off after its tolerance of refusals (plus what the seconds the flood took forgave: more
    // on a busy machine), not after answering the whole flood (some 1,900 refusals).
    expect(refused.length).toBeGreaterThan(0);
    const forgiven = Math.ceil(floodSeconds * REFUSALS_FORGIVEN_PER_SECOND);
    expect(refused.length).toBeLessThanOrEqual(REFUSALS_TOLERATED + 1 + forgiven);
    const sent = await publishHubEvent(s.server.ctx, { type: 'shift:changed' });
    await bystander.waitFor((m) => m[0] === 'EVENT' && (m[2] as NostrEvent).id === sent.id);
  });

  it('closes a flood of frames it cannot even parse', async () => {
    const c = await authed(member);
    for (let i = 0; i < 2_000; i++) c.send('not json');
    expect((await c.waitForClose(10_000)).reason).toBe('rate-limited: too many messages');
  });

  it('keeps a client that stays under the rate on average, bursts included', async () => {
    const c = await authed(member);
    const burst = () => {
      for (let i = 0; i < 2 * MESSAGE_BURST; i++) c.send(['REQ', 'burst', SUB]);
    };
    const started = Date.now();
    burst();
    for (let tick = 0; Date.now() - started < 3_000; tick++) {
      await new Promise((r) => setTimeout(r, 100));
      c.send(['REQ', `steady`, SUB]);
      if (tick === 15) burst();
    }
    // Both bursts overflowed the bucket, and were told so…
    expect(c.messages.some((m) => m[0] === 'CLOSED' && String(m[2]).startsWith('rate-limited: '))).toBe(true);
    // …but the connection is still up and served.
    await new Promise((r) => setTimeout(r, 1_100));
    const seen = c.messages.length;
    c.send(['REQ', 'after', SUB]);
    await c.waitFor((m) => m[0] === 'EOSE' && m[1] === 'after', 5000, seen);
    expect(c.closed).toBeNull();
  });

  it('cuts off a consumer that stops reading, and keeps serving the others', async () => {
    // Only these two: earlier clients with many subscriptions would be cut off too.
    for (const c of clients.splice(0)) c.close();
    const slow = await authed(member);
    const fast = await authed(other);
    slow.send(['REQ', 'live', SUB]);
    fast.send(['REQ', 'live', SUB]);
    await slow.waitFor((m) => m[0] === 'EOSE');
    await fast.waitFor((m) => m[0] === 'EOSE');
    const relay = realtimeOf(s.server.ctx)!.relay!;
    while (relay.stats().connections > 2) await new Promise((r) => setTimeout(r, 10));
    const before = relay.stats().open;
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(32 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let round = 0; relay.stats().open === before && round < 4000; round++) {
      const content = `${round} ${big}`;
      const created_at = Math.floor(Date.now() / 1000);
      const tags = [[...HUB_EVENT_TAG]];
      relay.deliver(
        signEvent({ kind: HUB_EVENT_KIND, created_at, tags, content }, s.server.ctx.keys.nostrSecretKey),
      );
      if (round % 20 === 19) await new Promise((r) => setTimeout(r, 2));
    }
    expect(relay.stats().open).toBe(before - 1);
    // The backlog was cut at about SLOW_CONSUMER_BYTES, not the whole stream.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await slow.waitForClose(10_000);
    expect([1008, 1006]).toContain(closed.code);
    if (closed.code === 1008) expect(closed.reason).toBe('error: slow consumer');
    const sent = await publishHubEvent(s.server.ctx, { type: 'shift:changed' });
    await fast.waitFor((m) => m[0] === 'EVENT' && (m[2] as NostrEvent).id === sent.id, 10_000);
  });
});
