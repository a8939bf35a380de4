import {
  decryptHubEvent,
  deriveEventKey,
  encryptHubEvent,
  fromBase64url,
  unwrapHubKey,
} from '@llamenos/crypto';
import type { HubKeyWrapView } from '@llamenos/protocol';

/** Keys held at once: the current one and those it replaced, for events published during a rotation. */
const KEEP = 3;
/** At most one refetch of the hub key per this interval, whatever a sender makes us fail to decrypt. */
export const REFETCH_INTERVAL_MS = 3_000;

export interface HubKeySource {
  /** GET /api/hub-key (the caller's wrap of the current key). */
  fetchCurrent(): Promise<HubKeyWrapView>;
  /** The unlocked secret key, or null once locked. */
  secretKey(): Uint8Array | null;
  now(): number;
}

/**
 * The event keys this device can read with: derived from the member's own wraps of the hub key,
 * newest first. The hub key itself is wiped as soon as its event key is derived; clear() wipes
 * the event keys (on lock).
 */
export class EventKeyRing {
  private keys: { id: string; key: Uint8Array }[] = [];
  private lastFetch = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly source: HubKeySource) {}

  get currentId(): string | null {
    return this.keys[0]?.id ?? null;
  }

  /** Fetches the current key (concurrent callers share one request). */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<void> {
    this.lastFetch = this.source.now();
    const view = await this.source.fetchCurrent();
    if (this.keys.some((k) => k.id === view.keyId)) {
      // Known: make it the current one again if needed.
      this.keys.sort((a, b) => (a.id === view.keyId ? -1 : b.id === view.keyId ? 1 : 0));
      return;
    }
    const secretKey = this.source.secretKey();
    if (!secretKey) throw new Error('locked');
    const hubKey = unwrapHubKey(fromBase64url(view.wrap, 'hub key wrap'), secretKey, view.keyId);
    const eventKey = deriveEventKey(hubKey);
    hubKey.fill(0);
    this.keys.unshift({ id: view.keyId, key: eventKey });
    for (const old of this.keys.splice(KEEP)) old.key.fill(0);
  }

  /** Encrypts with the current key; null before the first refresh. */
  encrypt(json: string): string | null {
    const current = this.keys[0];
    return current ? encryptHubEvent(current.key, json) : null;
  }

  /** Decrypts with any held key; null if none opens it. */
  tryDecrypt(content: string): string | null {
    for (const { key } of this.keys) {
      try {
        return decryptHubEvent(key, content);
      } catch {
        // Another epoch's key, or not for us.
      }
    }
    return null;
  }

  /**
   * Decrypts; if no held key opens the content, the hub key may have been rotated: refetch it
   * once (rate-limited, so undecryptable junk cannot make us hammer the server) and try again.
   */
  async decrypt(content: string): Promise<string | null> {
    const first = this.tryDecrypt(content);
    if (first !== null) return first;
    if (this.source.now() - this.lastFetch < REFETCH_INTERVAL_MS) return null;
    try {
      await this.refresh();
    } catch {
      return null;
    }
    return this.tryDecrypt(content);
  }

  clear(): void {
    for (const k of this.keys) k.key.fill(0);
    this.keys = [];
    this.lastFetch = Number.NEGATIVE_INFINITY;
  }
}
