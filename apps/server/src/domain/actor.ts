/**
 * Who is acting on the hotline, as services see them: never a Hono context, never an ad-hoc
 * shape. Routes build it from the request (http/actor.ts); services check permissions and
 * write the audit chain from it.
 */
export interface Actor {
  /** The registered member; null for a signed key with no user yet (redeeming a bootstrap or invite). */
  userId: string | null;
  /** The x-only public key that signed the request (or owns the session). */
  pubkey: string;
  /** What the member's roles grant, expanded; bounds what roles they may hand out. */
  permissions: readonly string[];
  /** Keyed hash of the client address, for the audit chain. */
  ipHash: string;
}

/** An actor who is a registered member (the calls and shifts screens act as a user). */
export type Member = Actor & { userId: string };

/**
 * The part of an actor the audit chain records. Work nobody asked for in a request (a timer,
 * the simulator's own set-up, a test) records nulls.
 */
export interface AuditActor {
  pubkey: string | null;
  ipHash: string | null;
}
