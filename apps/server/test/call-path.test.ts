import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { PURPOSES, sealForReaders, utf8 } from '@llamenos/crypto';
import { noteRecordId } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { fakeCaller, startCallServer, waitFor } from './calls-helpers.js';

/**
 * The measurement behind docs/ARCHITECTURE.md "The path of one inbound call": which product
 * files run code while one call goes from the provider's webhook to a sealed note. V8's precise
 * coverage counts the functions that ran in that window; a file counts when one of its own
 * functions ran (not merely its top level at import). Not counted: the phone network, which the
 * simulated carrier plays in this process, and periodic jobs that may tick meanwhile.
 * A measurement, not a check: LLAMENOS_TRACE_CALL_PATH=1 npx vitest run apps/server/test/call-path.test.ts
 */
const NOT_THE_PATH = new Set([
  'simulator/carrier.ts',
  'simulator/twiml.ts',
  'telephony/simulator/fake-twilio-api.ts',
  'telephony/simulator/fake-twilio-state.ts',
  'calls/retention.ts',
  'records/retention.ts',
  'maintenance/sweep.ts',
  'conversations/timers.ts',
]);
const SRC = fileURLToPath(new URL('../src/', import.meta.url));

describe.skipIf(!process.env.LLAMENOS_TRACE_CALL_PATH)('the path of one inbound call', () => {
  it('from the webhook to a sealed note', async () => {
    const s = await startCallServer();
    await s.addUser(['admin'], { name: 'Admin' });
    const ana = await s.addUser(['volunteer'], { phone: '+15550001111', name: 'Ana' });
    const ben = await s.addUser(['volunteer'], { phone: '+15550002222', name: 'Ben' });
    await s.putOnShift([ana.id, ben.id]);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    await session.post('Profiler.takePreciseCoverage'); // counts start from zero here

    // A caller dials in, both volunteers ring, one presses 1, talks, hangs up, writes a note.
    await s.carrier.placeCall({ from: fakeCaller(), to: s.hotline });
    const ringing = () =>
      [...s.carrier.phones.values()].filter((p) => p.role === 'leg' && p.status === 'ringing');
    const [first] = await waitFor(() => (ringing().length === 2 ? ringing() : null), 'two phones ringing');
    await s.carrier.answer(first!.sid);
    await s.settle();
    await s.carrier.hangUp(first!.sid);
    await s.settle();
    const [call] = await s.db.query<{ id: string; status: string }>('select id, status from calls');
    expect(call!.status).toBe('completed');
    const volunteer = first!.toLast4 === '1111' ? ana : ben;
    const readersRes = await s.request('GET', '/api/records/readers', { as: volunteer });
    const { readers } = (await readersRes.json()) as { readers: string[] };
    const id = randomUUID();
    const envelope = sealForReaders(utf8(JSON.stringify({ text: 'caller is safe' })), readers, {
      purpose: PURPOSES.note,
      recordId: noteRecordId(id, 1),
    });
    const res = await s.request('POST', '/api/notes', {
      as: volunteer,
      body: { id, callId: call!.id, envelope },
    });
    expect(res.status).toBe(201);

    const { result } = await session.post('Profiler.takePreciseCoverage');
    await session.post('Profiler.stopPreciseCoverage');
    session.disconnect();
    await s.close();
    const files = new Map<string, number>();
    for (const script of result) {
      const file = script.url.replace(/^file:\/\//, '').split('?')[0]!;
      if (!file.startsWith(SRC) || file.endsWith('.test.ts')) continue;
      const name = file.slice(SRC.length);
      // functions[0] is the module's top level, run at import.
      if (NOT_THE_PATH.has(name) || !script.functions.slice(1).some((f) => f.ranges[0]!.count > 0)) continue;
      files.set(name, readFileSync(file, 'utf8').split('\n').length);
    }
    const list = [...files.entries()].sort(([a], [b]) => a.localeCompare(b));
    const lines = list.reduce((sum, [, n]) => sum + n, 0);
    console.info(
      `call path: ${list.length} files, ${lines} lines\n${list.map(([f, n]) => `${n}\t${f}`).join('\n')}`,
    );
    expect(list.length).toBeGreaterThan(0);
  });
});
