import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer } from '../../test/calls-helpers.js';
import type { TestUser } from '../../test/helpers.js';
import { recordingStatements } from '../../test/statement-log.js';
import {
  type AuditHeadCache,
  appendAuditInTx,
  guessedAppendParts,
  verifyAuditLog,
  withdrawGuessedAppend,
} from '../audit/service.js';
import { pushForRingingCall } from '../push/notify.js';
import { claimCall } from './answer.js';
import { auditGuesses } from './audit-guesses.js';
import { sealCallMeta } from './call-meta.js';
import { answerDocument, screenDocument } from './documents.js';
import { callerStatusChanged, finishCall, legStatusChanged } from './end.js';
import { handleInboundCall } from './inbound.js';
import { legWrites } from './leg-writes.js';
import { runQueue } from './ringing.js';
import { recordPlacedLegs } from './store.js';
import { tickCallTimers } from './timers.js';

/**
 * What the per-call steps cost the database (issue 12 §2: statements per call leg), counted at
 * the context's database: the first pickup (the claim and its audit entry), a late pickup, the
 * sealing of the ended call's record, the Web Push of a ringing call. The call storm's bench
 * (`BENCH_CALLS_STATEMENT_LOG`) shows the whole call; these pin the steps it was cut in.
 */

describe('statements per call step', { timeout: 90_000 }, () => {
  let s: CallServer;
  let a: TestUser;
  let b: TestUser;
  let statements: string[] = [];

  beforeAll(async () => {
    s = await startCallServer();
    await s.addUser(['admin'], { name: 'Admin' }); // someone the call records are sealed for
    a = await s.addUser(['volunteer'], { phone: '+15550178001' });
    b = await s.addUser(['volunteer'], { phone: '+15550178002' });
    await s.putOnShift([a.id, b.id]);
    // Every statement the context's database runs from here on, marked "tx" inside a transaction.
    (s.ctx as { db: typeof s.ctx.db }).db = recordingStatements(s.ctx.db, (line) => statements.push(line));
  });
  afterAll(async () => {
    await s.close();
  });

  // A statement of an audit append of its own (audit/service.ts appendAuditInTx).
  const appendsAudit = (line: string) =>
    /^tx: (with (head|entry) as \(|select seq, hash from audit_chain_head)/.test(line);

  const count = async <T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
    await s.settle();
    statements = [];
    const result = await work();
    const seen = statements;
    statements = [];
    return { result, statements: seen };
  };

  /** A call placed, and volunteer a's leg for it: the ids a screening or a press names. */
  const ringA = async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller.sid,
    ]);
    const [leg] = await s.db.query<{ id: string; provider_leg_id: string }>(
      'select id, provider_leg_id from call_legs where call_id = $1 and user_id = $2',
      [call!.id, a.id],
    );
    const step = { callId: call!.id, legId: leg!.id, providerLegId: leg!.provider_leg_id };
    return { caller, callId: call!.id, step };
  };

  it('a screening is one statement; a press of 1 one (the leg checked in the claim) and its audit entry; a late press one', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller.sid,
    ]);
    const legs = await s.db.query<{ id: string; user_id: string }>(
      'select id, user_id from call_legs where call_id = $1',
      [call!.id],
    );
    const legOf = (u: TestUser) => legs.find((l) => l.user_id === u.id)!.id;

    // a's phone picks up: the screening prompt costs one statement (leg checked, bound, marked live).
    const [placed] = await s.db.query<{ provider_leg_id: string }>(
      'select provider_leg_id from call_legs where id = $1',
      [legOf(a)],
    );
    const screened = await count(() =>
      screenDocument(s.ctx, 'simulator', {
        callId: call!.id,
        legId: legOf(a),
        providerLegId: placed!.provider_leg_id,
      }),
    );
    expect(screened.result[0]).toMatchObject({ kind: 'gather-digit' });
    expect(screened.statements).toHaveLength(1);
    const [screenedLeg] = await s.db.query<{ status: string }>('select status from call_legs where id = $1', [
      legOf(a),
    ]);
    expect(screenedLeg!.status).toBe('in-progress');

    // a presses 1: the answer webhook checks the leg inside the claim's statement (no read of its own).
    const won = await count(() =>
      answerDocument(
        s.ctx,
        { callId: call!.id, legId: legOf(a), providerLegId: placed!.provider_leg_id },
        '1',
      ),
    );
    expect(won.result).toContainEqual({ kind: 'connect-to-caller', queue: `call-${call!.id}` });
    // The claim, which closes the losing legs too, with its audit entry: written ahead for the
    // volunteer this process rang on the leg, on the head it moved last (the queue round's entry),
    // both checked in the statement (audit-guesses.ts).
    const inClaim = won.statements.filter((q) => q.startsWith('tx:'));
    expect(inClaim).toEqual([expect.stringMatching(/^tx: with leg as \(/)]);
    // After it, only the winner's background work (call:answered) may have started: no close of the losers.
    expect(
      won.statements.filter((q) => q.startsWith("db: update call_legs set status = 'canceled'")),
    ).toEqual([]);
    // b presses 1 too late: the claim, which hands back the call as it is now when it is not theirs.
    const [placedB] = await s.db.query<{ provider_leg_id: string }>(
      'select provider_leg_id from call_legs where id = $1',
      [legOf(b)],
    );
    const late = { callId: call!.id, legId: legOf(b), providerLegId: placedB!.provider_leg_id };
    const lost = await count(() => answerDocument(s.ctx, late, '1'));
    expect(lost.statements).toHaveLength(1);
    expect(lost.result).toContainEqual(expect.objectContaining({ kind: 'say', text: expect.any(String) }));
    expect(lost.result).not.toContainEqual(expect.objectContaining({ kind: 'connect-to-caller' }));
    // A press naming another provider leg than the one bound is refused in that statement.
    const forged = await count(() => answerDocument(s.ctx, { ...late, providerLegId: 'CAforged' }, '1'));
    expect(forged.result).toEqual([{ kind: 'hangup' }]);
    expect(forged.statements).toHaveLength(1);
    // The browser's answer route claims through the same statement.
    const lostInApp = await count(() => claimCall(s.ctx, call!.id, b.id, legOf(b), 'phone'));
    expect(lostInApp.result.outcome).toBe('lost');
    expect(lostInApp.statements).toHaveLength(1);
    expect(lostInApp.result.call).toMatchObject({ status: 'answered', answeredBy: a.id });
    await s.settle();
    const [row] = await s.db.query<{ status: string; answered_by: string }>(
      `select l.status, c.answered_by from call_legs l join calls c on c.id = l.call_id where l.id = $1`,
      [legOf(a)],
    );
    expect(row).toEqual({ status: 'in-progress', answered_by: a.id });
    // The presses that lost left the kept head as it was: the caller's hang-up ends the call with
    // its calls.ended entry in one statement (written ahead from the answer this process saw).
    const hungUp = await count(() =>
      callerStatusChanged(s.ctx, 'simulator', { legId: caller.sid, status: 'completed' }),
    );
    expect(hungUp.statements.find((q) => q.startsWith('tx:'))).toMatch(
      /^tx: with ended as \( update calls set ended_at/,
    );
    expect(hungUp.statements.filter(appendsAudit)).toEqual([]);
    // The ended call's record is sealed from what the ending statement read: its write alone.
    expect(hungUp.statements.filter((q) => /^(db|tx): select c\.\*/.test(q))).toEqual([]);
    expect(
      hungUp.statements.filter((q) => q.includes('meta_envelope') || q.startsWith('db: with sealed as')),
    ).toEqual([expect.stringMatching(/^db: with sealed as \( update calls set meta_envelope/)]);
    const entries = await s.db.query<{ action: string; details: Record<string, unknown> }>(
      'select action, details from audit_log where target = $1 order by seq',
      [`call:${call!.id}`],
    );
    expect(entries.map((e) => e.action)).toEqual(['calls.ringing', 'calls.answered', 'calls.ended']);
    expect(entries[1]!.details).toEqual({ callId: call!.id, answeredBy: a.id, via: 'phone' });
    expect(entries[2]!.details).toMatchObject({
      callId: call!.id,
      outcome: 'completed',
      reason: 'caller-hangup',
    });
    expect(entries[2]!.details.answeredSeconds).toEqual(expect.any(Number));
    expect(await verifyAuditLog(s.db)).toMatchObject({ ok: true });
    await s.carrier.hangUp(caller.sid);
    await s.settle();
  });

  it('guesses withdrawn in any order, each made on the one before, leave the kept head where it was', () => {
    for (const order of [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
      [0, 2, 1],
    ]) {
      const head: AuditHeadCache = { kept: { seq: 7, hash: 'a'.repeat(64) } };
      const start = head.kept;
      const params: unknown[] = [];
      const param = (v: unknown) => {
        params.push(v);
        return `$${params.length}`;
      };
      // Three acts in flight at once (three presses of 1), each guessing on the one before it.
      const made = [0, 1, 2].map(() => {
        const before = head.kept;
        return {
          before,
          parts: guessedAppendParts([{ action: 'calls.answered' }], new Date(), head, param)!,
        };
      });
      expect(head.kept!.seq).toBe(10);
      for (const i of order) withdrawGuessedAppend(head, made[i]!.before, made[i]!.parts);
      expect(head.kept).toBe(start);
    }
  });

  it("a claim's or an end's audit entry written ahead on a wrong guess (the leg's volunteer, the head, the answer) is appended after its statement as it is; the chain holds", async () => {
    const head = s.ctx.caches.auditHead;
    const guesses = auditGuesses(s.ctx);
    const ring = async () => {
      const rung = await ringA();
      await screenDocument(s.ctx, 'simulator', rung.step);
      return rung;
    };
    const entriesOf = (callId: string) =>
      s.db.query<{ action: string; details: Record<string, unknown> }>(
        'select action, details from audit_log where target = $1 order by seq',
        [`call:${callId}`],
      );
    const inTx = (lines: string[]) => lines.filter((q) => q.startsWith('tx:'));

    // The leg kept as b's: the entry is not written for b; a's is appended after the claim.
    const first = await ring();
    guesses.legs.set(first.step.legId, { userId: b.id, kind: 'phone' });
    const wrongVolunteer = await count(() => answerDocument(s.ctx, first.step, '1'));
    expect(inTx(wrongVolunteer.statements)[0]).toMatch(/^tx: with leg as \(/);
    expect(wrongVolunteer.statements.filter(appendsAudit)).toHaveLength(1);
    // The kept head is the entry appended, not the one withdrawn: the end rides its statement.
    const firstEnd = await count(() =>
      callerStatusChanged(s.ctx, 'simulator', { legId: first.caller.sid, status: 'completed' }),
    );
    expect(inTx(firstEnd.statements)[0]).toMatch(/^tx: with ended as/);
    expect(firstEnd.statements.filter(appendsAudit)).toEqual([]);
    expect((await entriesOf(first.callId)).slice(1)).toEqual([
      { action: 'calls.answered', details: { callId: first.callId, answeredBy: a.id, via: 'phone' } },
      expect.objectContaining({ action: 'calls.ended' }),
    ]);
    await s.settle();

    // Another process appended meanwhile (the kept head is wrong): the claim's and the end's
    // entries are appended after their statements, from the head each locked.
    const second = await ring();
    head.kept = { seq: (head.kept?.seq ?? 0) - 1, hash: 'e'.repeat(64) };
    const wrongHead = await count(() => answerDocument(s.ctx, second.step, '1'));
    expect(inTx(wrongHead.statements)[0]).toMatch(/^tx: with leg as \(/);
    expect(wrongHead.statements.filter(appendsAudit)).toHaveLength(1);
    head.kept = { seq: (head.kept?.seq ?? 0) - 1, hash: 'e'.repeat(64) };
    const secondEnd = await count(() =>
      callerStatusChanged(s.ctx, 'simulator', { legId: second.caller.sid, status: 'completed' }),
    );
    expect(inTx(secondEnd.statements)[0]).toMatch(/^tx: with ended as/);
    expect(secondEnd.statements.filter(appendsAudit)).toHaveLength(1);
    expect((await entriesOf(second.callId)).map((e) => e.action)).toEqual([
      'calls.ringing',
      'calls.answered',
      'calls.ended',
    ]);
    await s.settle();

    // The answer kept is not the call's (answered at another time): the end's entry is not
    // written from it; the one appended after says how long the call really lasted.
    const third = await ring();
    await answerDocument(s.ctx, third.step, '1');
    const [answeredRow] = await s.db.query<{ answered_at: Date }>(
      'select answered_at from calls where id = $1',
      [third.callId],
    );
    const answeredAt = new Date(answeredRow!.answered_at);
    const wrongAt = new Date(answeredAt.getTime() - 3_600_000);
    guesses.answered.set(third.callId, { callId: third.callId, answeredAt: wrongAt, providerKey: 'none' });
    const thirdEnd = await count(() => finishCall(s.ctx, third.callId, { reason: 'app-hangup' }));
    expect(inTx(thirdEnd.statements)[0]).toMatch(/^tx: with ended as/);
    expect(thirdEnd.statements.filter(appendsAudit)).toHaveLength(1);
    const [ended] = (await entriesOf(third.callId)).slice(-1);
    expect(ended!.details.answeredSeconds).toBeLessThan(600);
    await s.carrier.hangUp(third.caller.sid);
    await s.settle();

    // No head kept (a process that has appended nothing yet): the entries are appended after.
    const fourth = await ring();
    head.kept = null;
    const noHead = await count(() => answerDocument(s.ctx, fourth.step, '1'));
    expect(noHead.result).toContainEqual(expect.objectContaining({ kind: 'connect-to-caller' }));
    expect(noHead.statements.filter(appendsAudit).length).toBeGreaterThanOrEqual(1);
    head.kept = null;
    await callerStatusChanged(s.ctx, 'simulator', { legId: fourth.caller.sid, status: 'completed' });
    expect((await entriesOf(fourth.callId)).map((e) => e.action)).toEqual([
      'calls.ringing',
      'calls.answered',
      'calls.ended',
    ]);
    expect(await verifyAuditLog(s.db)).toMatchObject({ ok: true });
    await s.settle();
  });

  it('the legs cancelled at an answer or an end are released by the queue round that follows, in its first statement', async () => {
    const { caller, callId, step } = await ringA();
    const answered = await count(async () => {
      await screenDocument(s.ctx, 'simulator', step);
      await answerDocument(s.ctx, step, '1');
      await s.settle();
    });
    const releases = (lines: string[]) => lines.filter((q) => q.includes('set releasing_since'));
    // b's leg was closed in the claim's statement: no statement of its own after it.
    const closes = (lines: string[]) =>
      lines.filter((q) => q.startsWith("db: update call_legs set status = 'canceled'"));
    expect(closes(answered.statements)).toEqual([]);
    // b's leg closed, cancelled at the carrier, then released with the round's lock: no statement of its own.
    expect(releases(answered.statements)).toEqual([expect.stringMatching(/^tx: with released as/)]);
    expect(answered.statements.filter((q) => q.startsWith('tx: with turn as'))).toHaveLength(0);
    const [freed] = await s.db.query<{ status: string; releasing: boolean }>(
      'select status, releasing_since is not null as releasing from call_legs where call_id = $1 and user_id = $2',
      [callId, b.id],
    );
    expect(freed).toEqual({ status: 'canceled', releasing: false });
    // The end: the winner's leg closed and hung up, released by the round that frees them.
    const ended = await count(async () => {
      await s.carrier.hangUp(caller.sid);
      await s.settle();
    });
    expect(releases(ended.statements)).toEqual([expect.stringMatching(/^tx: with released as/)]);
    expect(closes(ended.statements)).toEqual([]);
    const rounds = ended.statements.filter((q) => q.startsWith('tx: with turn as'));
    expect(rounds).toEqual([]);
    const [over] = await s.db.query<{ releasing: number }>(
      'select count(*)::int as releasing from call_legs where call_id = $1 and releasing_since is not null',
      [callId],
    );
    expect(over!.releasing).toBe(0);
  });

  it('a status callback of a leg this process closed costs no statement; one of a live leg is written', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller.sid,
    ]);
    const legs = await s.db.query<{ id: string; user_id: string; provider_leg_id: string }>(
      'select id, user_id, provider_leg_id from call_legs where call_id = $1',
      [call!.id],
    );
    const legOf = (u: TestUser) => legs.find((l) => l.user_id === u.id)!;
    // A live leg's callback is still written (the write is what a pick-up or a refusal needs).
    const live = await count(() =>
      legStatusChanged(s.ctx, call!.id, legOf(b).id, { legId: legOf(b).provider_leg_id, status: 'ringing' }),
    );
    expect(live.statements).toEqual([
      expect.stringMatching(/^db: with statuses as \( update call_legs set status = v\.new_statu/),
    ]);
    const step = { callId: call!.id, legId: legOf(a).id, providerLegId: legOf(a).provider_leg_id };
    await screenDocument(s.ctx, 'simulator', step);
    await answerDocument(s.ctx, step, '1');
    await s.settle();
    // b lost: their leg was closed and cancelled by this process, so its "canceled" (and any
    // late "ringing") changes nothing and is not written.
    for (const status of ['canceled', 'ringing'] as const) {
      const after = await count(() =>
        legStatusChanged(s.ctx, call!.id, legOf(b).id, { legId: legOf(b).provider_leg_id, status }),
      );
      expect(after.statements).toEqual([]);
    }
    // The caller hangs up: a's leg is closed with the call; its "completed" is not written either.
    await s.carrier.hangUp(caller.sid);
    await s.settle();
    const hungUp = await count(() =>
      legStatusChanged(s.ctx, call!.id, legOf(a).id, {
        legId: legOf(a).provider_leg_id,
        status: 'completed',
      }),
    );
    expect(hungUp.statements).toEqual([]);
    const rows = await s.db.query<{ user_id: string; status: string }>(
      'select user_id, status from call_legs where call_id = $1 order by user_id',
      [call!.id],
    );
    expect(rows.map((r) => r.status)).toEqual(['canceled', 'canceled']);
  });

  it("one leg's placing and another's status callback arriving together share one statement; its own ringing rides it too", async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller.sid,
    ]);
    const legs = await s.db.query<{ id: string; user_id: string; provider_leg_id: string }>(
      'select id, user_id, provider_leg_id from call_legs where call_id = $1',
      [call!.id],
    );
    const legOf = (u: TestUser) => legs.find((l) => l.user_id === u.id)!;
    const writes = legWrites(s.ctx);
    const both = await count(() =>
      Promise.all([
        writes.placed.write({ legId: legOf(a).id, providerLegId: legOf(a).provider_leg_id }),
        writes.statuses.write({
          callId: call!.id,
          legId: legOf(b).id,
          status: 'ringing',
          providerLegId: legOf(b).provider_leg_id,
          final: false,
          at: new Date(),
        }),
      ]),
    );
    // The placing's part comes first in the statement's WITH; the callback's follows it.
    expect(both.statements).toEqual([expect.stringMatching(/^db: with placed as \(/)]);
    const [placed, status] = both.result;
    // Leg a was placed already and asked for no "ringing" (twilio/rest.ts LEG_EVENTS): still queued.
    expect(placed).toMatchObject({ status: 'queued', call: { status: 'ringing', answeredLegId: null } });
    expect(status).toMatchObject({ leg: { id: legOf(b).id, status: 'ringing' }, call: null });
    // A leg's own "ringing" arriving while its placing waits rides that write: one statement,
    // and the leg goes from pending straight to ringing, bound to the provider's leg.
    // Leg a set back to pending, then its placed write and a "ringing" from `ringingFrom` at once.
    const placedWithRinging = async (ringingFrom: string) => {
      await s.db.query(`update call_legs set status = 'pending', provider_leg_id = null where id = $1`, [
        legOf(a).id,
      ]);
      return count(() =>
        Promise.all([
          writes.placed.write({ legId: legOf(a).id, providerLegId: legOf(a).provider_leg_id }),
          writes.statuses.write({
            callId: call!.id,
            legId: legOf(a).id,
            status: 'ringing',
            providerLegId: ringingFrom,
            final: false,
            at: new Date(),
          }),
        ]),
      );
    };
    const same = await placedWithRinging(legOf(a).provider_leg_id);
    expect(same.statements).toEqual([expect.stringMatching(/^db: with placed as \(/)]);
    expect(same.result[0]).toMatchObject({ status: 'ringing', call: { status: 'ringing' } });
    const [rode] = await s.db.query<{ status: string; provider_leg_id: string }>(
      'select status, provider_leg_id from call_legs where id = $1',
      [legOf(a).id],
    );
    expect(rode).toEqual({ status: 'ringing', provider_leg_id: legOf(a).provider_leg_id });
    // Another provider leg's "ringing" does not ride it (only the leg the write binds calls back).
    const forged = await placedWithRinging('CAother');
    expect(forged.statements).toEqual([
      expect.stringMatching(/^db: with placed as \(/),
      expect.stringMatching(/^db: with statuses as \(/),
    ]);
    expect(forged.result[1]).toMatchObject({ leg: null });
    await s.carrier.hangUp(caller.sid);
    await s.settle();
  });

  it('a volunteer leg asks the provider only for its end: neither its ringing nor a pick-up sends a status callback', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [leg] = await s.db.query<{ provider_leg_id: string }>(
      `select l.provider_leg_id from call_legs l join calls c on c.id = l.call_id
        where c.provider_call_id = $1 and l.user_id = $2`,
      [caller.sid, a.id],
    );
    const placed = s.carrier.api.state.calls.get(leg!.provider_leg_id)!;
    // No "initiated" or "ringing" (a placed leg is live from the API's answer: nothing reads
    // them), no "answered" (the screening webhook is the pick-up).
    expect(placed.statusCallbackEvents).toEqual(['completed']);
    const picked = await count(async () => {
      await s.carrier.pickUp(placed.sid);
      await s.settle();
    });
    // The screening statement marks the leg in progress; no status write follows it.
    expect(picked.statements.filter((q) => q.includes('with statuses as'))).toEqual([]);
    const [row] = await s.db.query<{ status: string }>(
      'select status from call_legs where provider_leg_id = $1',
      [placed.sid],
    );
    expect(row!.status).toBe('in-progress');
    await s.carrier.hangUp(caller.sid);
    await s.settle();
  });

  it('a leg the provider accepted after its call ended is closed by the statement that stores its id', async () => {
    const id = randomUUID();
    const legId = randomUUID();
    const at = new Date();
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, caller_hash,
         created_at, updated_at, ended_at)
       values ($1, 'simulator', $2, $3, 'abandoned', 'en', 'h', $4, $4, $4)`,
      [id, `CA${randomUUID().replace(/-/g, '')}`, s.hotline, at],
    );
    await s.db.query(
      `insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
       values ($1, $2, $3, 'phone', 'pending', $4, $4)`,
      [legId, id, a.id, at],
    );
    const placed = await count(() =>
      recordPlacedLegs(s.ctx.db, [{ legId, providerLegId: 'CAlate' }], new Date()),
    );
    expect(placed.statements).toHaveLength(1);
    expect(placed.result.get(legId)).toMatchObject({ status: 'canceled', call: { status: 'abandoned' } });
    const [row] = await s.db.query<{ status: string; provider_leg_id: string; releasing: boolean }>(
      'select status, provider_leg_id, releasing_since is not null as releasing from call_legs where id = $1',
      [legId],
    );
    // Releasing until its cancel reaches the provider (ringing.ts placeLeg cancels it there).
    expect(row).toEqual({ status: 'canceled', provider_leg_id: 'CAlate', releasing: true });
    await s.db.query('delete from call_legs where call_id = $1', [id]);
    await s.db.query('delete from calls where id = $1', [id]);
  });

  it("sealing an ended call's record is one read (with its readers) and one write", async () => {
    const id = randomUUID();
    const at = new Date(Date.now() - 60_000);
    await s.db.query(
      `insert into calls (id, provider, provider_call_id, hotline_number, status, language, answered_by,
         answered_at, caller_hash, created_at, updated_at, ended_at)
       values ($1, 'simulator', $2, $3, 'completed', 'en', $4, $5, 'h', $5, $5, $5)`,
      [id, `CA${randomUUID().replace(/-/g, '')}`, s.hotline, a.id, at],
    );
    await s.db.query(
      `insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
       values ($1, $3, $4, 'phone', 'completed', $6, $6), ($2, $3, $5, 'phone', 'canceled', $6, $6)`,
      [randomUUID(), randomUUID(), id, a.id, b.id, at],
    );
    const sealed = await count(() => sealCallMeta(s.ctx, id));
    expect(sealed.result).toBe('sealed');
    // The call with its legs and its readers (active users, custom roles); the write.
    expect(sealed.statements).toHaveLength(2);
    const [row] = await s.db.query<{ answered_by: string | null; sealed: boolean }>(
      'select answered_by, meta_envelope is not null as sealed from calls where id = $1',
      [id],
    );
    expect(row).toEqual({ answered_by: null, sealed: true });
    expect(
      await s.db.query('select user_id from call_legs where call_id = $1 and user_id is not null', [id]),
    ).toEqual([]);
  });

  it('the Web Push of a ringing call not handed its subscriptions (a training call) reads who to wake in one statement', async () => {
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const [call] = await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [
      caller.sid,
    ]);
    const pushed = await count(() => pushForRingingCall(s.ctx, call!.id));
    expect(pushed.statements).toHaveLength(1);
    await s.carrier.hangUp(caller.sid);
    await s.settle();
  });

  it('an inbound call is written in its first state with the ban check and the rate limit: one statement', async () => {
    const providerCallId = `CA${randomUUID().replace(/-/g, '')}`;
    const inbound = await count(() =>
      handleInboundCall(s.ctx, 'simulator', { providerCallId, from: fakeCaller(), to: s.hotline }),
    );
    expect(inbound.result.callId).toBeTruthy();
    // In its transaction: the row (queued at once: no language menu here) with the ban check and
    // the attempt counted against the caller's rate limit.
    expect(inbound.statements.filter((q) => q.startsWith('tx:'))).toEqual([
      expect.stringMatching(/^tx: with inserted as \( insert into calls/),
    ]);
    const [counted] = await s.db.query<{ count: number }>(
      `select count from rate_limits where key like 'calls:caller:%' order by window_start desc limit 1`,
    );
    expect(counted!.count).toBeGreaterThanOrEqual(1);
    await s.settle();
    const ended = await count(() =>
      callerStatusChanged(s.ctx, 'simulator', { legId: providerCallId, status: 'completed' }),
    );
    // Found and ended by the provider's id in one guarded UPDATE, which closes its legs too, then
    // its audit entry in one (the queue round's entry moved the head last).
    expect(ended.statements.filter((q) => q.startsWith('tx:')).slice(0, 2)).toEqual([
      expect.stringMatching(/^tx: with ended as \( update calls set ended_at/),
      expect.stringMatching(/^tx: with head as \(select seq, hash from audit_chain_head/),
    ]);
    expect(ended.statements.filter((q) => q.includes('provider_call_id = $2'))).toEqual([]);
    expect(
      ended.statements.filter((q) => q.startsWith("db: update call_legs set status = 'canceled'")),
    ).toEqual([]);
    const [row] = await s.db.query<{ status: string }>('select status from calls where id = $1', [
      inbound.result.callId,
    ]);
    expect(row!.status).toBe('abandoned');
  });

  it("a queue round's turn and its read of who waits, who is free and whether the schedule moved are one statement", async () => {
    const notSettings = (q: string) => !q.includes('hotline_settings');
    // Nobody waits: one statement, which takes no lock.
    const idle = await count(() => runQueue(s.ctx));
    expect(idle.statements.filter(notSettings)).toEqual([expect.stringMatching(/^tx: with turn as \(/)]);
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    // Both volunteers ring for the waiting call; a round finds nobody else to offer: the turn
    // taken with the waiting calls, the volunteers' state and the schedule's fingerprint read in
    // the same statement (the kept schedule is not read again: it did not move).
    const round = await count(() => runQueue(s.ctx));
    expect(round.statements.filter(notSettings)).toEqual([expect.stringMatching(/^tx: with turn as \(/)]);
    await s.carrier.hangUp(caller.sid);
    await s.settle();
  });

  it('an idle tick of the call timers asks what is due in one statement, then skips the steps with nothing', async () => {
    const tick = await count(() => tickCallTimers(s.ctx, new Date()));
    const asked = tick.statements.filter((q) => !q.includes('hotline_settings'));
    // The probe alone: it also asks for the training line, the recording deletes and the queue.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^db: select exists/);
  });

  it("a queue round that rings a new call: the lock, the read, the legs inserted with the call's move to ringing, the rung volunteers' push subscriptions and its audit entry", async () => {
    const providerCallId = `CA${randomUUID().replace(/-/g, '')}`;
    const rung: { callId: string; subscriptions?: readonly unknown[] }[] = [];
    const stopListening = s.ctx.events.on('call:rung', (r) => {
      rung.push(r);
    });
    const arrived = await count(async () => {
      const result = await handleInboundCall(s.ctx, 'simulator', {
        providerCallId,
        from: fakeCaller(),
        to: s.hotline,
      });
      await s.settle();
      return result;
    });
    const round = arrived.statements.filter((q) => q.startsWith('tx:'));
    const start = round.findIndex((q) => q.startsWith('tx: with turn as'));
    expect(start).toBeGreaterThanOrEqual(0);
    // The round's calls.ringing entry rides the legs' insert on the head this process moved last
    // (audit/service.ts guessedAppendParts): no statement of its own after it.
    expect(round.slice(start)).toEqual([
      expect.stringMatching(/^tx: with turn as \(/),
      expect.stringMatching(/^tx: with moved as \( ?update calls set status = 'ringing'/),
    ]);
    const entries = await s.db.query<{ action: string }>('select action from audit_log where target = $1', [
      `call:${arrived.result.callId}`,
    ]);
    expect(entries.map((e) => e.action)).toEqual(['calls.ringing']);
    expect(await verifyAuditLog(s.db)).toMatchObject({ ok: true });
    expect(arrived.statements.filter((q) => q.includes("update calls set status = 'ringing'"))).toEqual([
      expect.stringMatching(/with moved as/),
    ]);
    const [row] = await s.db.query<{ status: string; legs: number }>(
      `select status, (select count(*)::int from call_legs where call_id = calls.id) as legs from calls where id = $1`,
      [arrived.result.callId],
    );
    expect(row).toEqual({ status: 'ringing', legs: 2 });
    // Web Push is handed the subscriptions read with the legs (none here): no statement of its own.
    stopListening();
    expect(rung).toEqual([{ callId: arrived.result.callId, subscriptions: [] }]);
    expect(arrived.statements.filter((q) => q.startsWith('db: select s.id, s.user_id, s.endpoint'))).toEqual(
      [],
    );
    await callerStatusChanged(s.ctx, 'simulator', { legId: providerCallId, status: 'completed' });
    await s.settle();
  });

  it("a queue round's audit entry on a wrong guess of the head (another process appended) is appended after the insert; the chain holds", async () => {
    await s.settle();
    const head = s.ctx.caches.auditHead;
    head.kept = { seq: (head.kept?.seq ?? 0) - 1, hash: 'f'.repeat(64) };
    const providerCallId = `CA${randomUUID().replace(/-/g, '')}`;
    const { callId } = await handleInboundCall(s.ctx, 'simulator', {
      providerCallId,
      from: fakeCaller(),
      to: s.hotline,
    });
    await s.settle();
    const entries = await s.db.query<{ action: string }>('select action from audit_log where target = $1', [
      `call:${callId}`,
    ]);
    expect(entries.map((e) => e.action)).toEqual(['calls.ringing']);
    expect(await verifyAuditLog(s.db)).toMatchObject({ ok: true });
    await callerStatusChanged(s.ctx, 'simulator', { legId: providerCallId, status: 'completed' });
    await s.settle();
  });

  // Only PostgreSQL has another transaction to wait for (PGlite runs one at a time).
  it.skipIf(!process.env.LLAMENOS_TEST_DATABASE_URL)(
    "a queue round that waited for another round's turn reads again under it: it sees that round's legs",
    async () => {
      await s.settle();
      const callId = randomUUID();
      const at = new Date();
      await s.db.query(
        `insert into calls (id, provider, provider_call_id, hotline_number, status, language, caller_hash,
           queue_deadline, created_at, updated_at)
         values ($1, 'simulator', $2, $3, 'ringing', 'en', 'h', $4, $5, $5)`,
        [callId, `CA${randomUUID().replace(/-/g, '')}`, s.hotline, new Date(at.getTime() + 600_000), at],
      );
      // Another process's round holds the turn and rings a for the call; this process's round
      // starts meanwhile, so its first statement's snapshot predates that round's commit.
      let release!: () => void;
      let held!: () => void;
      const holding = new Promise<void>((r) => {
        held = r;
      });
      const other = s.db.transaction(async (tx) => {
        await tx.query(
          `insert into call_queue_turn as t (id, turn) values (1, 1) on conflict (id) do update set turn = t.turn + 1`,
        );
        await tx.query(
          `insert into call_legs (id, call_id, user_id, kind, status, ring_deadline, created_at)
           values ($1, $2, $3, 'phone', 'ringing', $4, $5)`,
          [randomUUID(), callId, a.id, new Date(at.getTime() + 600_000), at],
        );
        held();
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await holding;
      const round = await count(async () => {
        const running = runQueue(s.ctx);
        for (let i = 0; ; i++) {
          const [row] = await s.db.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (row!.n >= 1) break;
          if (i > 500) throw new Error('the round never waited for the turn');
          await new Promise((r) => setTimeout(r, 20));
        }
        release();
        await other;
        await running;
      });
      const rounds = round.statements.filter((q) => !q.includes('hotline_settings') && q.startsWith('tx:'));
      expect(rounds.slice(0, 2)).toEqual([
        expect.stringMatching(/^tx: with turn as \(/),
        expect.stringMatching(/^tx: with waiting as/),
      ]);
      // a rings for it once (the other round's leg), b is offered it: nobody twice.
      const legs = await s.db.query<{ user_id: string }>(
        'select user_id from call_legs where call_id = $1 order by user_id',
        [callId],
      );
      expect(legs.map((l) => l.user_id).sort()).toEqual([a.id, b.id].sort());
      await finishCall(s.ctx, callId, { reason: 'app-hangup' });
      await s.settle();
    },
  );

  // Transactions of one process wait for each other only in the database (PGlite runs one at a time).
  it.skipIf(!process.env.LLAMENOS_TEST_DATABASE_URL)(
    "an audit entry appended while another of this process is in flight guesses that one's entry: one statement each",
    async () => {
      const head = s.ctx.caches.auditHead;
      const append = () =>
        s.ctx.db.transaction((tx) =>
          appendAuditInTx(tx, { action: 'calls.test-entry', target: 'call:x' }, new Date(), head),
        );
      await append(); // the kept head is right from here on
      const lockWaiters = async (n: number) => {
        for (let i = 0; i < 500; i++) {
          const [row] = await s.db.query<{ n: number }>(
            `select count(*)::int as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'`,
          );
          if (row!.n >= n) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`${n} statements never waited for a lock`);
      };
      // Another process's transaction holds the head, as while it appends: both appends of this
      // process are sent before the first returns, and queue behind it in that order.
      let release!: () => void;
      let locked!: () => void;
      const holding = new Promise<void>((r) => {
        locked = r;
      });
      const holder = s.db.transaction(async (tx) => {
        await tx.query('select seq from audit_chain_head where id = 1 for update');
        locked();
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await holding;
      const appended = await count(async () => {
        const first = append();
        await lockWaiters(1);
        const second = append();
        await lockWaiters(2);
        release();
        await holder;
        return Promise.all([first, second]);
      });
      const [first, second] = appended.result;
      expect(second.seq).toBe(first.seq + 1);
      // (The call timers' tick may run meanwhile: only the chain's statements are counted.)
      expect(appended.statements.filter((q) => /audit_(chain_head|log)/.test(q))).toEqual([
        expect.stringMatching(/^tx: with head as \(select seq, hash from audit_chain_head/),
        expect.stringMatching(/^tx: with head as \(select seq, hash from audit_chain_head/),
      ]);
      expect(await verifyAuditLog(s.db)).toMatchObject({ ok: true });
    },
  );
});
