import type { ServerContext } from '../http/context.js';
import type { LegKind } from './store.js';

/**
 * What this process last learnt of a call's legs and answer, kept so that the audit entries of
 * the claim (calls.answered) and of the end (calls.ended) can be written before their statements
 * and ride them (audit/service.ts guessedAppendParts), as the queue round's calls.ringing rides
 * its legs' insert. Only guesses: each statement compares them with the rows it changes and
 * appends the entry only when they match; otherwise the entry is appended after it as before.
 * A press or an end that reaches another process, or one after a restart, finds no guess and
 * costs its entry's statement, nothing more.
 */
export interface CallAuditGuesses {
  /** Each leg this process inserted: whose it is and how it rings (the claim by a press names only the leg). */
  legs: Map<string, { userId: string; kind: LegKind }>;
  /** Each call this process saw answered, by its id and by its provider's id: who, and when. */
  answered: Map<string, AnsweredGuess>;
}

export interface AnsweredGuess {
  callId: string;
  answeredAt: Date;
  /** Its key by the provider's id. */
  providerKey: string;
}

/** Enough for every leg ringing and every call on at once on a large hotline; the oldest go first. */
const MAX_KEPT = 4096;

export function auditGuesses(ctx: ServerContext): CallAuditGuesses {
  ctx.callQueue.auditGuesses ??= { legs: new Map(), answered: new Map() };
  return ctx.callQueue.auditGuesses;
}

const keep = <V>(map: Map<string, V>, key: string, value: V): void => {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_KEPT) map.delete(map.keys().next().value!);
};

export function keepLegGuesses(
  ctx: ServerContext,
  legs: readonly { id: string; userId: string | null; kind: LegKind }[],
): void {
  const kept = auditGuesses(ctx).legs;
  for (const leg of legs) if (leg.userId) keep(kept, leg.id, { userId: leg.userId, kind: leg.kind });
}

const providerKey = (provider: string, providerCallId: string) => `${provider} ${providerCallId}`;

export function keepAnsweredGuess(
  ctx: ServerContext,
  call: { id: string; provider: string; providerCallId: string; answeredAt: Date | null },
): void {
  if (!call.answeredAt) return;
  const guess = {
    callId: call.id,
    answeredAt: call.answeredAt,
    providerKey: providerKey(call.provider, call.providerCallId),
  };
  const kept = auditGuesses(ctx).answered;
  keep(kept, call.id, guess);
  keep(kept, guess.providerKey, guess);
}

/** The kept answer of the call named by our id or by the provider's; taken out (a call ends once). */
export function takeAnsweredGuess(
  ctx: ServerContext,
  target: { callId: string } | { provider: string; providerCallId: string },
): AnsweredGuess | null {
  const kept = auditGuesses(ctx).answered;
  const key = 'callId' in target ? target.callId : providerKey(target.provider, target.providerCallId);
  const guess = kept.get(key) ?? null;
  if (guess) {
    kept.delete(guess.callId);
    kept.delete(guess.providerKey);
  }
  return guess;
}
