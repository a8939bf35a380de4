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
import { HubEventPayload, messageRecordId } from '@llamenos/protocol';
import type { ServerContext, ServerKeys } from '../http/context.js';
import { loadCurrentHubKey } from '../realtime/hub-keys.js';
import { signFast } from '../realtime/verify.js';
import { cachedSettings } from '../settings/cache.js';
import { contactIdentity, sealContact } from './contact.js';
import { appendOnGuess, assignLeastRecentInOrder, insertConversationsLocking } from './placement-store.js';
import { lookupInbound, storeHeldText } from './store.js';

/**
 * A started server's first texts (issue 10): in a process that has just started, every function
 * an arriving text runs is still interpreted, and the first fifty first contacts cost about twice
 * the CPU of later ones (bench/prof/server-messaging.ts, BENCH_PROF_CHUNK=50, PostgreSQL). A
 * profile of those fifty named the contact's keyed hash (SHA-256 in JavaScript), the hub key's
 * unwrapping, zod's checks (the settings, the hub event) and the sealing threads' wraps. In a
 * storm of first contacts that backlog is what the first two seconds' webhooks waited behind. So
 * a started server runs those steps at start, before it listens (startConversationTimers, after
 * the reader tables),
 * on throwaway data only: random keys made here and dropped, made-up numbers and ids; nothing is
 * stored, published or sealed for a real reader, and no real key signs or seals anything. The
 * hub key is loaded as the first event would load it (only if one exists: startServer makes
 * it first), so that first event does not unwrap it.
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
  /** Database connections that ran an arriving text's statements in a transaction rolled back. */
  connections: number;
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
  const report: WarmUpReport = { rounds: 0, sealed: 0, hubKey: false, connections: 0 };
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
  report.connections = await warmStatements(ctx);
  await sealing;
  return report;
}

/**
 * The database's side of a started server's first texts: on PostgreSQL each pool connection is
 * opened as the storm needs it, and a new backend loads its catalogue and plans each statement
 * the first time it runs it (bench/prof/server-messaging.ts, first contacts of a fresh process:
 * the backends' CPU 2.3-2.9 ms a text against 1.3-1.8 warm, the server's thread 3.1-4.1 against
 * 2.5). So every connection the pool may open runs, at once, a first contact's statements and a
 * held text's store on throwaway data in a transaction that is rolled back: the connections
 * stay open with the statements prepared (a prepared statement outlives its transaction), and
 * nothing is kept. The audit statement runs on a wrong guess then chains from the real head, both
 * undone with the rest; the round robin's only candidate is made up, so nobody is offered
 * anything. Each transaction holds the assignment lock and the audit head for a few
 * milliseconds at most. Returns how many connections ran it; one that fails is logged by name.
 */
async function warmStatements(ctx: ServerContext): Promise<number> {
  try {
    return await warmStatementsOn(ctx);
  } catch (error) {
    ctx.log.warn({ err: { name: (error as Error)?.name } }, 'database statements not warmed up');
    return 0;
  }
}

async function warmStatementsOn(ctx: ServerContext): Promise<number> {
  const undo = new Error('warm-up rolled back');
  // Read before the transactions: on PGlite a read outside a transaction waits for it to end.
  const settings = await cachedSettings(ctx);
  const once = () =>
    ctx.db
      .transaction(async (tx) => {
        const now = ctx.now();
        const contactHash = randomBytes(32).toString('hex');
        const row = {
          id: randomUUID(),
          channel: 'twilio-sms',
          kind: 'sms' as const,
          hotlineAddress: '+15550000000',
          contactHash,
          contactLast4: null,
          contactEnc: 'warm-up',
          at: now,
        };
        await lookupInbound(
          tx,
          {
            channel: row.channel,
            providerMessageId: randomUUID(),
            hotlineAddress: row.hotlineAddress,
            contactHash,
          },
          {
            now,
            rateKey: `messages:contact:${contactHash}`,
            rule: { limit: 1, windowSeconds: 3600, blockSeconds: 60 },
            schedule: ctx.conversations.scheduleWindowThisMinute(now, settings.timeZone),
          },
        );
        await insertConversationsLocking(tx, [row], true);
        await assignLeastRecentInOrder(tx, [row.id], [randomUUID()], 1, now);
        await appendOnGuess(
          tx,
          [
            {
              action: 'conversations.assigned',
              target: `conversation:${row.id}`,
              details: { how: 'warm-up' },
            },
          ],
          now,
          { kept: { seq: -1, hash: '0'.repeat(64) } },
        );
        const messageId = randomUUID();
        await storeHeldText(
          tx,
          {
            conversationId: row.id,
            sealedFor: null,
            messageId,
            recordId: messageRecordId(messageId),
            channel: row.channel,
            providerMessageId: randomUUID(),
            ciphertext: 'warm-up',
            wraps: [],
          },
          now,
        );
        throw undo;
      })
      .then(
        () => false,
        (error: unknown) => {
          if (error === undo) return true;
          ctx.log.warn({ err: { name: (error as Error)?.name } }, 'database statements not warmed up');
          return false;
        },
      );
  const done = await Promise.all(Array.from({ length: ctx.db.connections }, once));
  return done.filter(Boolean).length;
}
