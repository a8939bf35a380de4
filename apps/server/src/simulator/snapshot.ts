import type { ServerContext } from '../http/context.js';
import type { SimPhone, SimulatedCarrier } from './carrier.js';
import { simulatorNumbers } from './instance.js';

/** What the simulator page shows: last four digits only, volunteers by name. */
export interface SimulatorState {
  hotlineNumbers: string[];
  callers: PhoneView[];
  phones: (PhoneView & { volunteer: string })[];
}

interface PhoneView {
  sid: string;
  status: string;
  fromLast4: string;
  toLast4: string;
  heard: string[];
  waitingForKeys: boolean;
  /** In the waiting room: the caller's page plays hold music. */
  onHold: boolean;
  /** Put on hold by the volunteer who answered in the browser: hold music, the microphone not sent. */
  heldByVolunteer: boolean;
  /** The caller's audio connection: a transfer starts the next one, and the page offers its audio again. */
  audioRound: number;
  connected: boolean;
  errors: string[];
}

const SHOWN = 12;

const view = (p: SimPhone, heldByVolunteer = false, audioRound = 0): PhoneView => ({
  sid: p.sid,
  status: p.status,
  fromLast4: p.fromLast4,
  toLast4: p.toLast4,
  heard: p.heard.slice(-8),
  waitingForKeys: p.gather !== null,
  onHold: p.queue !== null,
  heldByVolunteer,
  audioRound,
  connected: p.bridgedTo !== null,
  errors: p.errors.slice(-3),
});

export async function snapshot(ctx: ServerContext, carrier: SimulatedCarrier): Promise<SimulatorState> {
  const all = [...carrier.phones.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const legs = all.filter((p) => p.role === 'leg').slice(0, SHOWN);
  const names = new Map<string, string>();
  if (legs.length) {
    const rows = await ctx.db.query<{ provider_leg_id: string; display_name: string }>(
      `select l.provider_leg_id, u.display_name from call_legs l join users u on u.id = l.user_id
        where l.provider_leg_id = any($1::text[])`,
      [legs.map((l) => l.sid)],
    );
    for (const r of rows) names.set(r.provider_leg_id, r.display_name);
  }
  return {
    hotlineNumbers: await simulatorNumbers(ctx),
    callers: all
      .filter((p) => p.role === 'caller')
      .slice(0, SHOWN)
      .map((p) => view(p, carrier.audio.heldOf(p.sid), carrier.audio.roundOf(p.sid))),
    phones: legs.map((p) => ({ ...view(p), volunteer: names.get(p.sid) ?? `phone …${p.toLast4}` })),
  };
}
