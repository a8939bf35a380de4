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
  wrapHubKey,
} from '@llamenos/crypto';
import {
  type HubEventPayload,
  type HubEventType,
  MAX_MEMBER_EVENT_BYTES,
  MAX_MEMBER_EVENT_CONTENT,
} from '@llamenos/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RelayClient } from '../src/lib/realtime/connection.js';
import { EventKeyRing } from '../src/lib/realtime/hub-keys.js';
import { FakeSocket } from './fake-socket.js';

/**
 * Every member holds the hub key, so any member can encrypt any payload and sign it with their
 * own key; the relay cannot read it and forwards it. What a member's client accepts from another
 * member is therefore the only line of defence against spoofed calls, settings or presence.
 */

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const server = generateSecretKey();
const me = generateSecretKey();
const mallory = generateSecretKey();
const serverPub = getPublicKey(server);
const myPub = getPublicKey(me);
const malloryPub = getPublicKey(mallory);

const now = () => new Date().toISOString();
const CONVERSATION = '3f1c2b4a-5d6e-4a57-9d2e-0b5f8a8e6c8b';
const RECORD = '6c8b0b5f-8a8e-4a57-9d2e-3f1c2b4a5d6e';

/**
 * One valid payload of every type: adding a type to the protocol makes this fail to compile until it is covered.
 * (An intersection, not Extract: one report schema carries three types.)
 */
const samples = (): { [T in HubEventType]: HubEventPayload & { type: T } } => ({
  'call:ring': { type: 'call:ring', callId: 'call-1', callerLast4: '1234', startedAt: now() },
  'call:answered': { type: 'call:answered', callId: 'call-1', answeredBy: malloryPub },
  'call:ended': { type: 'call:ended', callId: 'call-1', outcome: 'completed' },
  'voicemail:new': { type: 'voicemail:new', callId: 'call-1' },
  // About someone else: a member may announce only their own presence.
  presence: { type: 'presence', pubkey: myPub, status: 'available', at: now() },
  'shift:changed': { type: 'shift:changed' },
  'settings:changed': { type: 'settings:changed', sections: ['hotlineName'] },
  'call:transfer-invite': { type: 'call:transfer-invite', callId: 'call-1', to: myPub },
  'message:new': { type: 'message:new', conversationId: CONVERSATION, messageId: RECORD },
  'conversation:assigned': {
    type: 'conversation:assigned',
    conversationId: CONVERSATION,
    assignee: malloryPub,
  },
  'conversation:updated': { type: 'conversation:updated', conversationId: CONVERSATION },
  'conversation:rewrap-needed': { type: 'conversation:rewrap-needed', conversationId: CONVERSATION },
  'backup:failed': { type: 'backup:failed', at: now() },
  'report:new': { type: 'report:new', reportId: RECORD },
  'report:updated': { type: 'report:updated', reportId: RECORD },
  'report:reply': { type: 'report:reply', reportId: RECORD },
  'transcript:new': { type: 'transcript:new', callId: CONVERSATION, transcriptId: RECORD },
});

describe('what a member may sign', () => {
  let hubKey: Uint8Array;
  let events: { payload: HubEventPayload; from: string }[];
  let client: RelayClient;
  let ws: FakeSocket;

  /** A kind-20001 event with the generic tag, its text encrypted under the real hub's event key. */
  const hubEvent = (text: string, signer: Uint8Array, createdAt = Math.floor(Date.now() / 1000)) =>
    signEvent(
      {
        kind: HUB_EVENT_KIND,
        created_at: createdAt,
        tags: [[...HUB_EVENT_TAG]],
        content: encryptHubEvent(deriveEventKey(hubKey), text),
      },
      signer,
    );

  const deliver = async (event: NostrEvent) => {
    ws.receive(['EVENT', ws.last('REQ')![1], event]);
    await flush();
  };

  beforeEach(async () => {
    hubKey = generateHubKey();
    events = [];
    const sockets: FakeSocket[] = [];
    const keys = new EventKeyRing({
      fetchCurrent: async () => ({
        keyId: 'k1',
        wrap: toBase64url(wrapHubKey(hubKey, myPub, 'k1')),
        current: true,
      }),
      secretKey: () => me,
      now: Date.now,
    });
    client = new RelayClient({
      relayUrl: 'ws://127.0.0.1:1/nostr',
      serverPubkey: serverPub,
      keys,
      secretKey: () => me,
      onStatus: () => {},
      onConnected: () => {},
      onEvent: (payload, from) => events.push({ payload, from }),
      createSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
    });
    client.start();
    await flush();
    ws = sockets[0]!;
    ws.open();
    ws.receive(['AUTH', 'challenge']);
    ws.receive(['OK', (ws.last('AUTH')![1] as NostrEvent).id, true, '']);
  });

  afterEach(() => client.stop());

  it('drops every server event type when a member signs it, and takes the same from the server', async () => {
    for (const payload of Object.values(samples())) {
      await deliver(hubEvent(JSON.stringify(payload), mallory));
    }
    expect(events).toEqual([]);
    for (const payload of Object.values(samples())) {
      await deliver(hubEvent(JSON.stringify(payload), server));
    }
    expect(events.map((e) => [e.payload.type, e.from])).toEqual(
      Object.keys(samples()).map((type) => [type, serverPub]),
    );
  });

  it('takes a member’s announcement of their own presence, exactly in the presence shape', async () => {
    const own = { type: 'presence', pubkey: malloryPub, status: 'on-break', at: now() };
    await deliver(hubEvent(JSON.stringify({ ...own, extra: true }), mallory));
    await deliver(hubEvent(JSON.stringify({ ...own, status: 'asleep' }), mallory));
    await deliver(hubEvent(JSON.stringify({ ...own, pubkey: malloryPub.toUpperCase() }), mallory));
    await deliver(hubEvent(JSON.stringify([own]), mallory));
    await deliver(hubEvent(`\uFEFF${JSON.stringify(own)}`, mallory));
    expect(events).toEqual([]);
    await deliver(hubEvent(JSON.stringify(own), mallory));
    expect(events).toEqual([{ payload: own, from: malloryPub }]);
  });

  it('drops a presence whose time is not the time it was signed', async () => {
    // Announced "available" an hour ahead, it would outrank this member's real "offline" later.
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    await deliver(
      hubEvent(
        JSON.stringify({ type: 'presence', pubkey: malloryPub, status: 'available', at: ahead }),
        mallory,
      ),
    );
    const behind = new Date(Date.now() - 3_600_000).toISOString();
    await deliver(
      hubEvent(
        JSON.stringify({ type: 'presence', pubkey: malloryPub, status: 'offline', at: behind }),
        mallory,
      ),
    );
    expect(events).toEqual([]);
  });

  it('drops a member-signed event too long to be a presence announcement', async () => {
    // Valid presence JSON, blown up with whitespace: the relay would fan it out to every member.
    const own = { type: 'presence', pubkey: malloryPub, status: 'available', at: now() };
    await deliver(hubEvent(`{${' '.repeat(1_000)}${JSON.stringify(own).slice(1)}`, mallory));
    expect(events).toEqual([]);
    // The server's events are not bound by it.
    const big = { type: 'settings:changed', sections: ['hotlineName'] };
    await deliver(hubEvent(`{${' '.repeat(1_000)}${JSON.stringify(big).slice(1)}`, server));
    expect(events.map((e) => e.payload.type)).toEqual(['settings:changed']);
  });

  it('bounds member content at exactly the blob of a MAX_MEMBER_EVENT_BYTES payload, which a presence fits', () => {
    const key = deriveEventKey(hubKey);
    expect(encryptHubEvent(key, 'x'.repeat(MAX_MEMBER_EVENT_BYTES))).toHaveLength(MAX_MEMBER_EVENT_CONTENT);
    expect(encryptHubEvent(key, 'x'.repeat(MAX_MEMBER_EVENT_BYTES + 1)).length).toBeGreaterThan(
      MAX_MEMBER_EVENT_CONTENT,
    );
    // The longest announcement this client makes, with room to spare.
    const longest = { type: 'presence', pubkey: myPub, status: 'available', at: now() } as const;
    const signed = client.sign(longest)!;
    expect(signed.content.length).toBeLessThanOrEqual(MAX_MEMBER_EVENT_CONTENT);
    expect(new TextEncoder().encode(JSON.stringify(longest)).length).toBeLessThan(
      MAX_MEMBER_EVENT_BYTES * 0.7,
    );
  });
});
