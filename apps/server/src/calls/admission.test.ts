import type { HubEventPayload } from '@llamenos/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallServer, fakeCaller, startCallServer } from '../../test/calls-helpers.js';
import type { ServerContext } from '../http/context.js';
import {
  Admission,
  type LoadLevel,
  type LoadReading,
  type LoadSignal,
  levelOf,
  OVERLOADED_WORK,
  SAMPLE_MS,
} from './admission.js';
import { tickCallTimers } from './index.js';
import { capParallelRing } from './ringing.js';
import { settleCallWork } from './wiring.js';

/**
 * Admission control (admission.ts, issue 12 §3): under load the call path sheds in a defined
 * order — fewer parallel legs per call when busy, the notices a caller does not need deferred
 * (in order, never dropped) when overloaded — while the inbound webhook still answers at once
 * and a caller nobody can take still reaches voicemail.
 */

const READINGS: Record<LoadLevel, LoadReading> = {
  normal: { eventLoopDelayMs: 1, waitingWork: 0 },
  busy: { eventLoopDelayMs: 80, waitingWork: 0 },
  overloaded: { eventLoopDelayMs: 400, waitingWork: 0 },
};

/** A signal the test sets, read at every level() (its clock moves SAMPLE_MS per reading). */
function testLoad(level: LoadLevel = 'normal') {
  const state = { level, reads: 0 };
  let t = 0;
  const signal: LoadSignal = {
    read: () => {
      state.reads += 1;
      return READINGS[state.level];
    },
    stop: () => {},
  };
  return { state, signal, clock: () => (t += SAMPLE_MS) };
}

describe('the load level', () => {
  it('maps the event loop delay and the waiting work to normal, busy, overloaded', () => {
    expect(levelOf(READINGS.normal)).toBe('normal');
    expect(levelOf(READINGS.busy)).toBe('busy');
    expect(levelOf(READINGS.overloaded)).toBe('overloaded');
    expect(levelOf({ eventLoopDelayMs: 0, waitingWork: OVERLOADED_WORK })).toBe('overloaded');
  });

  it('reads the signal at most once per sample interval of its clock; up on two readings in a row, down at once', () => {
    let now = 0;
    const load = testLoad('busy');
    const changes: string[] = [];
    const admission = new Admission(
      load.signal,
      () => now,
      undefined,
      (from, to) => changes.push(`${from}→${to}`),
    );
    expect(admission.level()).toBe('busy');
    load.state.level = 'overloaded';
    now += SAMPLE_MS - 1;
    expect(admission.level()).toBe('busy');
    expect(load.state.reads).toBe(1);
    now += 1;
    expect(admission.level()).toBe('busy'); // one overloaded interval is a burst
    now += SAMPLE_MS;
    expect(admission.level()).toBe('overloaded');
    load.state.level = 'normal';
    now += SAMPLE_MS;
    expect(admission.level()).toBe('normal');
    expect(load.state.reads).toBe(4);
    expect(changes).toEqual(['normal→busy', 'busy→overloaded', 'overloaded→normal']);
  });

  it('counts deferred work as waiting work', () => {
    const load = testLoad('overloaded');
    const admission = new Admission(load.signal, load.clock);
    const ctx = fakeCtx();
    for (let i = 0; i < OVERLOADED_WORK; i++) admission.defer(ctx, 'test', async () => {});
    load.state.level = 'normal';
    expect(admission.level()).toBe('overloaded');
    admission.stop();
  });
});

/** Enough of a context for background work: the set it is tracked in and a log. */
function fakeCtx(): ServerContext {
  const log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  return { backgroundWork: new Set(), log } as unknown as ServerContext;
}

describe('deferred work', () => {
  it('runs at once when not overloaded; while overloaded it waits, then runs in order once the level drops', async () => {
    const load = testLoad('busy');
    const ctx = fakeCtx();
    const admission = new Admission(load.signal, load.clock, 60_000);
    const done: string[] = [];
    admission.defer(ctx, 'test', async () => done.push('busy'));
    await settleCallWork(ctx);
    expect(done).toEqual(['busy']);

    load.state.level = 'overloaded';
    expect(admission.level()).toBe('busy'); // the first overloaded reading: a burst
    for (const name of ['a', 'b', 'c'])
      admission.defer(ctx, 'test', async () => {
        await new Promise((r) => setTimeout(r, 5));
        done.push(name);
      });
    await admission.drain(ctx);
    await settleCallWork(ctx);
    expect(done).toEqual(['busy']);
    expect(admission.waiting).toBe(3);

    // Back to normal: a new piece still waits behind the deferred ones.
    load.state.level = 'normal';
    admission.defer(ctx, 'test', async () => done.push('d'));
    await admission.drain(ctx);
    expect(done).toEqual(['busy', 'a', 'b', 'c', 'd']);
    expect(admission.waiting).toBe(0);
    admission.stop();
  });

  it('is done by the recheck timer by itself, and a failing piece does not stop the rest', async () => {
    const load = testLoad('overloaded');
    const ctx = fakeCtx();
    const admission = new Admission(load.signal, load.clock, 5);
    const done: string[] = [];
    admission.defer(ctx, 'test', async () => {
      throw new Error('relay down');
    });
    admission.defer(ctx, 'test', async () => done.push('after'));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toEqual([]);
    load.state.level = 'normal';
    for (let i = 0; i < 100 && !done.length; i++) await new Promise((r) => setTimeout(r, 5));
    expect(done).toEqual(['after']);
    admission.stop();
  });

  it('is all done by flush, whatever the level (the process is closing)', async () => {
    const load = testLoad('overloaded');
    const ctx = fakeCtx();
    const admission = new Admission(load.signal, load.clock, 60_000);
    const done: number[] = [];
    for (const n of [1, 2]) admission.defer(ctx, 'test', async () => done.push(n));
    await admission.flush(ctx);
    expect(done).toEqual([1, 2]);
  });
});

describe('parallel ring under load', () => {
  const plan = [
    { callId: 'c2', userId: 'u1' }, // the silent call's first volunteer
    { callId: 'c1', userId: 'u2' },
    { callId: 'c1', userId: 'u3' },
    { callId: 'c2', userId: 'u4' },
  ];
  it('caps the volunteers per call, counting those already ringing, and never leaves a call silent', () => {
    const ringing = new Map([['u9', 'c1']]);
    expect(capParallelRing(plan, ringing, Number.POSITIVE_INFINITY)).toEqual(plan);
    expect(capParallelRing(plan, ringing, 2)).toEqual([plan[0], plan[1], plan[3]]);
    expect(capParallelRing(plan, ringing, 1)).toEqual([plan[0]]);
    expect(capParallelRing(plan, new Map(), 0)).toEqual([plan[0], plan[1]]);
  });
});

describe('a call under overload', { timeout: 60_000 }, () => {
  const servers: CallServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const start = async (level: LoadLevel) => {
    const load = testLoad(level);
    const s = await startCallServer({ load: { signal: load.signal, clock: load.clock } });
    servers.push(s);
    const announced: HubEventPayload[] = [];
    s.ctx.events.on('call:announced', (p) => {
      announced.push(p);
    });
    return { s, load, announced };
  };
  const legsOf = async (s: CallServer) =>
    (await s.db.query<{ user_id: string }>(`select user_id from call_legs`)).map((r) => r.user_id);
  const callOf = async (s: CallServer) =>
    (await s.db.query<{ id: string; status: string; queue_deadline: Date }>('select * from calls'))[0]!;
  const volunteers = async (s: CallServer, n: number) => {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push((await s.addUser(['volunteer'], { phone: `+1555018000${i}` })).id);
    await s.putOnShift(ids);
  };

  it('rings all five volunteers when the load is normal', async () => {
    const { s, announced } = await start('normal');
    await volunteers(s, 5);
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    expect(await legsOf(s)).toHaveLength(5);
    expect(announced.map((a) => a.type)).toEqual(['call:ring']);
  });

  it('rings fewer legs per call when busy', async () => {
    const { s } = await start('busy');
    await volunteers(s, 5);
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    expect(await legsOf(s)).toHaveLength(3);
  });

  it('overloaded: rings one leg, answers the webhook with the hold document at once, defers the notice until the level drops', async () => {
    const { s, load, announced } = await start('overloaded');
    await volunteers(s, 5);
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    // The inbound webhook answered with the hold loop while the notice is still deferred.
    expect(caller.heard).toContain('(on hold)');
    await s.settle();
    expect(await legsOf(s)).toHaveLength(1);
    expect(announced).toEqual([]);
    expect(s.ctx.admission.waiting).toBe(1);

    // Deferred work stuck in progress once the level drops (a relay that hangs) holds no webhook:
    // a second caller hears the hold loop, and its notice waits its turn behind the stuck piece.
    let release = () => {};
    s.ctx.admission.defer(s.ctx, 'test', () => new Promise<void>((r) => (release = r)));
    load.state.level = 'normal';
    const draining = s.ctx.admission.drain(s.ctx);
    const second = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    expect(second.heard).toContain('(on hold)');
    const secondId = (
      await s.db.query<{ id: string }>('select id from calls where provider_call_id = $1', [second.sid])
    )[0]!.id;
    await new Promise((r) => setTimeout(r, 100));
    expect(announced.map((a) => a.type)).toEqual(['call:ring']);
    release();
    await draining;
    await s.settle();
    const [, ...later] = announced;
    expect(later.some((a) => a.type === 'call:ring' && a.callId === secondId)).toBe(true);
    expect(s.ctx.admission.waiting).toBe(0);
    // The next round rings the volunteers the overload left free.
    await tickCallTimers(s.ctx);
    await s.settle();
    expect(await legsOf(s)).toHaveLength(5);
  });

  it('overloaded: a caller nobody takes by the queue time-out goes to voicemail, never silence', async () => {
    const { s } = await start('overloaded');
    await volunteers(s, 2);
    const caller = await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    await s.settle();
    const call = await callOf(s);
    expect(call.status).toBe('ringing');
    expect((await tickCallTimers(s.ctx, new Date(call.queue_deadline))).voicemail).toBe(1);
    await s.settle();
    expect((await callOf(s)).status).toBe('voicemail');
    expect(caller.heard).toContain('(redirected)');
    expect(caller.heard).toContain('(recording a message)');
    expect(s.ctx.admission.level()).toBe('overloaded');
  });
});
