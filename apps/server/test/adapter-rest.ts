import { afterAll, beforeEach } from 'vitest';
import type { VolunteerLegRequest } from '../src/telephony/provider.js';

/**
 * What the provider adapters' REST tests (src/telephony/<provider>/rest.test.ts) share: the
 * volunteer leg they place, and the hooks around the fake provider API each test talks to.
 */

/** A volunteer leg as the router asks `provider` for one: a US volunteer, the hotline's number, 25 s of ringing. */
export const volunteerLegFor = (provider: string): VolunteerLegRequest => ({
  to: '+15551230001',
  from: '+15559870002',
  answerUrl: `https://hotline.example/api/telephony/${provider}/leg-answer?call=c1`,
  statusUrl: `https://hotline.example/api/telephony/${provider}/leg-status?call=c1`,
  timeoutSeconds: 25,
});

/**
 * Each test starts with no injected faults and no recorded requests at the fake (started in the
 * file's beforeAll, hence the getter); the fake is closed after the last test.
 */
export function freshFakeForEachTest(
  fake: () => { clearFaults(): void; requests: unknown[]; close(): Promise<void> },
): void {
  afterAll(() => fake().close());
  beforeEach(() => {
    fake().clearFaults();
    fake().requests.length = 0;
  });
}
