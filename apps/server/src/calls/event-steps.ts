import type { Instruction } from '../telephony/provider.js';

/**
 * A document is read by a webhook provider step by step, and some steps wait for the caller:
 * a gather until a key (or its timeout), a queue until someone connects, a connected call until
 * it ends, a recording until it stops. What follows such a step is only reached when it ends,
 * and the provider tells us that with another webhook whose answer replaces the rest.
 * An event provider (ARI) performs a list at once; the end of a waiting step arrives as an
 * event instead, which the router answers with a new list. So only the steps up to and
 * including the first waiting one are performed, or "say goodbye, hang up" after a gather
 * would hang up before the volunteer could press 1.
 */
const WAITS: ReadonlySet<Instruction['kind']> = new Set([
  'gather-digit',
  'enqueue-caller',
  'connect-to-caller',
  'record-voicemail',
]);

export function stepsUntilWait(instructions: Instruction[]): Instruction[] {
  const end = instructions.findIndex((step) => WAITS.has(step.kind));
  return end < 0 ? instructions : instructions.slice(0, end + 1);
}
