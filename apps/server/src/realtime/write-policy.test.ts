import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  generateSecretKey,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
  type NostrEvent,
  signEvent,
} from '@llamenos/crypto';
import { MAX_MEMBER_EVENT_CONTENT } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestUser } from '../../test/helpers.js';
import { type RelayServer, startRelayServer } from '../../test/realtime-helpers.js';

const PLUGIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../deploy/strfry/write-policy.mjs',
);

/** The plugin, fed exactly the lines strfry writes, answering line by line. */
class Plugin {
  private readonly answers: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.answers.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async decide(event: NostrEvent): Promise<{ id: string; action: string; msg?: string }> {
    const line = JSON.stringify({
      type: 'new',
      event,
      receivedAt: Math.floor(Date.now() / 1000),
      sourceType: 'IP4',
      sourceInfo: '203.0.113.7',
    });
    const index = this.answers.length;
    this.child.stdin.write(`${line}\n`);
    while (this.answers.length <= index) await new Promise<void>((r) => this.waiters.push(r));
    return JSON.parse(this.answers[index]!);
  }
}

const event = (secretKey: Uint8Array, overrides: Partial<NostrEvent> = {}) =>
  signEvent(
    {
      kind: HUB_EVENT_KIND,
      created_at: Math.floor(Date.now() / 1000),
      tags: [[...HUB_EVENT_TAG]],
      content: 'x',
      ...overrides,
    },
    secretKey,
  );

describe('strfry write-policy plugin', () => {
  const token = randomBytes(24).toString('hex');
  let s: RelayServer;
  let member: TestUser;
  let plugin: Plugin;

  beforeAll(async () => {
    s = await startRelayServer({ NOSTR_WRITERS_TOKEN: token });
    member = await s.addUser(['volunteer']);
    const child = spawn(process.execPath, [PLUGIN], {
      env: { ...process.env, LLAMENOS_URL: s.server.url, LLAMENOS_WRITERS_TOKEN: token },
    });
    plugin = new Plugin(child);
  });
  afterAll(async () => {
    plugin?.child.kill();
    await s?.close();
  });

  it('serves the writer list only with the token, and says nothing without it', async () => {
    expect((await fetch(`${s.server.url}/api/realtime/writers`)).status).toBe(404);
    const wrong = await fetch(`${s.server.url}/api/realtime/writers`, {
      headers: { 'x-llamenos-writers-token': 'x'.repeat(48) },
    });
    expect(wrong.status).toBe(404);
    const res = await fetch(`${s.server.url}/api/realtime/writers`, {
      headers: { 'x-llamenos-writers-token': token },
    });
    const body = (await res.json()) as { serverPubkey: string; writers: string[] };
    expect(body.writers).toContain(member.pubkey);
    expect(body.writers).toContain(s.server.ctx.keys.nostrPublicKey);
  });

  it('accepts the server key (any event) and members’ hub events', async () => {
    const server = event(s.server.ctx.keys.nostrSecretKey, { kind: 1, tags: [] });
    expect(await plugin.decide(server)).toEqual({ id: server.id, action: 'accept' });
    const presence = event(member.secretKey);
    expect(await plugin.decide(presence)).toEqual({ id: presence.id, action: 'accept' });
  });

  it('rejects strangers, other kinds and identifying tags with restricted:', async () => {
    const stranger = event(generateSecretKey());
    const a = await plugin.decide(stranger);
    expect(a).toMatchObject({ id: stranger.id, action: 'reject' });
    expect(a.msg).toMatch(/^restricted: /);
    const note = event(member.secretKey, { kind: 1 });
    expect((await plugin.decide(note)).msg).toMatch(/^restricted: /);
    const tagged = event(member.secretKey, { tags: [[...HUB_EVENT_TAG], ['hub', 'h-1']] });
    expect(await plugin.decide(tagged)).toMatchObject({ id: tagged.id, action: 'reject' });
  });

  it('rejects member events longer than a presence announcement, as the embedded relay does', async () => {
    const longest = event(member.secretKey, { content: 'x'.repeat(MAX_MEMBER_EVENT_CONTENT) });
    expect(await plugin.decide(longest)).toEqual({ id: longest.id, action: 'accept' });
    const tooLong = event(member.secretKey, { content: 'x'.repeat(MAX_MEMBER_EVENT_CONTENT + 1) });
    const answer = await plugin.decide(tooLong);
    expect(answer).toMatchObject({ id: tooLong.id, action: 'reject' });
    expect(answer.msg).toMatch(/^restricted: /);
    // The server's own events are not limited.
    const server = event(s.server.ctx.keys.nostrSecretKey, { content: 'x'.repeat(4096) });
    expect(await plugin.decide(server)).toEqual({ id: server.id, action: 'accept' });
  });

  it('fails closed when it cannot load the writer list', async () => {
    const child = spawn(process.execPath, [PLUGIN], {
      env: {
        ...process.env,
        LLAMENOS_URL: s.server.url,
        LLAMENOS_WRITERS_TOKEN: 'wrong-token-wrong-token-wrong-token',
      },
    });
    const blind = new Plugin(child);
    const server = event(s.server.ctx.keys.nostrSecretKey);
    const answer = await blind.decide(server);
    child.kill();
    expect(answer).toMatchObject({ id: server.id, action: 'reject' });
    expect(answer.msg).toMatch(/^error: /);
  });
});
