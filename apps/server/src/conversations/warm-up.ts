import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  AUDIT_GENESIS_HASH,
  auditEntryHash,
  deriveEventKey,
  encryptHubEvent,
  generateSecretKey,
  HUB_EVENT_KIND,
  HUB_EVENT_TAG,
} from '@llamenos/crypto';
import { HubEventPayload } from '@llamenos/protocol';
import type { ServerContext, ServerKeys } from '../http/context.js';
import { loadCurrentHubKey } from '../realtime/hub-keys.js';
import { signFast } from '../realtime/verify.js';
import { contactIdentity, sealContact } from './contact.js';

/**
 * A started server's first texts (issue 10): in a process that has just started, every function
 * an arriving text runs is still interpreted, and the first fifty first contacts cost about twice
 * the CPU of later ones (bench/prof/server-messaging.ts, BENCH_PROF_CHUNK=50, PostgreSQL). A
 * profile of those fifty named the contact's keyed hash (SHA-256 in JavaScript), the hub key's
 * unwrapping, zod's checks (the settings, the hub event) and the sealing threads' wraps. In a
 * storm of first contacts that backlog is what the first two seconds' webhooks waited behind. So
 * a started server runs those steps at start (startConversationTimers, after the reader tables),
 * on throwaway data only: random keys made here and dropped, made-up numbers and ids; nothing is
 * stored, published or sealed for a real reader, and no real key signs or seals anything. The
 * hub key is loaded as the first event would load it (only if one exists: startRealtime makes
 * it), so that first event does not unwrap it.
 */

/** Rounds of the throwaway steps: enough for V8 to optimise them (measured: see above). */
export const WARM_UP_ROUNDS = 200;
/** Rounds run between two turns of the event loop: a webhook arriving meanwhile waits one batch. */
const ROUNDS_PER_TURN = 10;

export interface WarmUpReport {
  /** Rounds run in this thread. */
  rounds: number;
  /** Texts sealed for throwaway readers in each sealing thread (0: no pool). */
  sealed: number;
  /** The hub key was loaded into the context's cache. */
  hubKey: boolean;
}

/** Throwaway server keys: the same shapes as the real ones, random, used here and dropped. */
function throwawayKeys(): Pick<ServerKeys, 'hashKey' | 'settingsKey'> {
  return { hashKey: new Uint8Array(randomBytes(32)), settingsKey: new Uint8Array(randomBytes(32)) };
}

/** One round: the contact's hash and sealed address, an audit entry's hash, a hub event encrypted and signed. */
function warmRound(
  keys: Pick<ServerKeys, 'hashKey' | 'settingsKey'>,
  eventKey: Uint8Array,
  signer: Uint8Array,
  i: number,
): void {
  const phone = `+1555${String(1_000_000 + ((i * 7919) % 9_000_000)).padStart(7, '0')}`;
  const conversationId = randomUUID();
  contactIdentity(keys as ServerKeys, phone);
  sealContact(keys as ServerKeys, conversationId, phone);
  auditEntryHash(AUDIT_GENESIS_HASH, {
    seq: i + 1,
    createdAt: new Date(0).toISOString(),
    action: 'conversations.assigned',
    actorPubkey: null,
    target: `conversation:${conversationId}`,
    details: { conversationId, how: 'round-robin', assignee: randomUUID() },
    ipHash: null,
  });
  const payload = HubEventPayload.parse({ type: 'message:new', conversationId, messageId: randomUUID() });
  signFast(
    {
      kind: HUB_EVENT_KIND,
      created_at: 0,
      tags: [[...HUB_EVENT_TAG]],
      content: encryptHubEvent(eventKey, JSON.stringify(payload)),
    },
    signer,
  );
}

/**
 * Warms an arriving text's path in this process and in the sealing threads (their own throwaway
 * readers and agreement: seal-worker.ts). Never throws: a step that fails is logged by name and
 * the server runs as it would have without it.
 */
export async function warmInboundPath(ctx: ServerContext, rounds = WARM_UP_ROUNDS): Promise<WarmUpReport> {
  const report: WarmUpReport = { rounds: 0, sealed: 0, hubKey: false };
  const sealing = (ctx.conversations.sealPool?.warm(rounds) ?? Promise.resolve(0)).then(
    (sealed) => {
      report.sealed = sealed;
    },
    (error: unknown) =>
      ctx.log.warn({ err: { name: (error as Error)?.name } }, 'sealing threads not warmed up'),
  );
  try {
    report.hubKey = await loadCurrentHubKey(ctx);
    const keys = throwawayKeys();
    const hubKey = new Uint8Array(randomBytes(32));
    const eventKey = deriveEventKey(hubKey);
    const signer = generateSecretKey();
    try {
      for (let i = 0; i < rounds; i++) {
        if (i % ROUNDS_PER_TURN === 0) await nextTurn();
        warmRound(keys, eventKey, signer, i);
        report.rounds = i + 1;
      }
    } finally {
      for (const bytes of [keys.hashKey, keys.settingsKey, hubKey, eventKey, signer]) bytes.fill(0);
    }
  } catch (error) {
    ctx.log.warn({ err: { name: (error as Error)?.name } }, 'inbound path not warmed up');
  }
  await sealing;
  return report;
}
