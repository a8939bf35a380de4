import { randomUUID } from 'node:crypto';
import type { NostrEvent } from '@llamenos/crypto';
import type { Database } from '../db/database.js';
import type { Logger } from '../logging.js';

/**
 * The multi-process bridge. Every server process runs its own embedded relay; an event
 * published on one must reach clients connected to the others. We use PostgreSQL
 * LISTEN/NOTIFY rather than an outbox table polled by every process:
 * - it is push, so delivery to another process costs one round trip, not a polling interval;
 * - it needs no extra service (no Redis): PostgreSQL is already the one shared component;
 * - hub events are ephemeral: a process that is down has no clients to deliver to, so
 *   NOTIFY's "only to current listeners" is exactly the semantics we want.
 * A NOTIFY payload is limited to 8000 bytes. Hub events are far smaller, so the signed event
 * travels in the payload; a larger one is written to realtime_outbox and only its row id is
 * sent. Outbox rows are deleted after a minute (no listener needs them after delivery).
 * PGlite has LISTEN/NOTIFY too, inside its single process, so the same code runs on both.
 */
export const BRIDGE_CHANNEL = 'llamenos_realtime';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; keep a margin. */
const NOTIFY_LIMIT_BYTES = 7900;
const OUTBOX_RETENTION = "interval '1 minute'";

interface BridgeMessage {
  /** The sending process: it has already delivered locally and ignores its own messages. */
  o: string;
  /** A signed event. */
  e?: NostrEvent;
  /** An outbox row holding a signed event too large for the payload. */
  x?: number;
  /** Membership changed: re-check the connected members. */
  m?: true;
}

export interface BridgeHandlers {
  onEvent(event: NostrEvent): void;
  onMembersChanged(): void;
}

/** Tells every process that membership changed; usable without a running bridge (tests, the CLI). */
export async function notifyMembersChanged(db: Database, origin = 'anonymous'): Promise<void> {
  const message: BridgeMessage = { o: origin, m: true };
  await db.notify(BRIDGE_CHANNEL, JSON.stringify(message));
}

export class Bridge {
  readonly origin = randomUUID();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly handlers: BridgeHandlers,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(
      BRIDGE_CHANNEL,
      (payload) => void this.receive(payload),
      // Notifications sent while the listening connection was down are lost: a removal among
      // them would leave a removed member connected, so re-check membership after a reconnect.
      () => this.handlers.onMembersChanged(),
    );
  }

  async publishEvent(event: NostrEvent): Promise<void> {
    const inline = JSON.stringify({ o: this.origin, e: event } satisfies BridgeMessage);
    if (Buffer.byteLength(inline) <= NOTIFY_LIMIT_BYTES) {
      await this.db.notify(BRIDGE_CHANNEL, inline);
      return;
    }
    const [row] = await this.db.query<{ id: number }>(
      'insert into realtime_outbox (event) values ($1) returning id',
      [JSON.stringify(event)],
    );
    await this.db.query(`delete from realtime_outbox where created_at < now() - ${OUTBOX_RETENTION}`);
    await this.db.notify(BRIDGE_CHANNEL, JSON.stringify({ o: this.origin, x: Number(row!.id) }));
  }

  membersChanged(): Promise<void> {
    return notifyMembersChanged(this.db, this.origin);
  }

  private async receive(payload: string): Promise<void> {
    try {
      const message = JSON.parse(payload) as BridgeMessage;
      if (message.o === this.origin) return;
      if (message.m) this.handlers.onMembersChanged();
      if (message.e) this.handlers.onEvent(message.e);
      if (message.x !== undefined) {
        const [row] = await this.db.query<{ event: string }>(
          'select event from realtime_outbox where id = $1',
          [message.x],
        );
        if (row) this.handlers.onEvent(JSON.parse(row.event) as NostrEvent);
      }
    } catch (error) {
      this.log.error({ err: error }, 'real-time bridge message dropped');
    }
  }

  async close(): Promise<void> {
    await this.unlisten?.().catch(() => {});
    this.unlisten = null;
  }
}
