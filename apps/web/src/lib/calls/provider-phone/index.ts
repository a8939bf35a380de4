import type { BrowserCredential, BrowserCredentialsResponse } from '@llamenos/protocol';
import { currentMe, type Me, onProfileChange } from '../../../app/session.js';
import { fetchBrowserCredentials } from '../../api/browser-calling.js';
import { ApiRequestError } from '../../api/index.js';
import { storedAudioDevices } from '../audio-devices.js';
import type { CallAudioStreams } from '../webrtc.js';
import {
  type CallStatsSource,
  IDLE_PROVIDER_PHONES,
  type IncomingProviderCall,
  type ProviderPhone,
  type ProviderPhoneEvents,
  type ProviderPhoneFactory,
  type ProviderPhoneState,
} from './types.js';

/**
 * The providers' browser phones of this tab (docs/CALLS.md, "Browser calling per provider"):
 * once a member whose call preference is the browser (or both) is signed in and unlocked, the
 * app asks the server for credentials, builds one phone per credential (its SDK loaded only
 * then), registers it, and asks again before the credentials expire. A call ringing through a
 * provider's browser leg is held here until the member presses Answer on the ringing card
 * (lib/calls/store.ts), which accepts it: the provider reports the leg answered and the
 * server's first-pickup compare-and-set decides, as for a phone. Locking, signing out and
 * closing the tab unregister everything.
 */

type PhoneModule = () => Promise<{ createProviderPhone: ProviderPhoneFactory }>;

/**
 * ─── The provider phone modules ───────────────────────────────────────────────────────────
 * One line per provider whose browser SDK has an adapter here; each module exports
 * `createProviderPhone` (a ProviderPhoneFactory, types.ts) and is imported only when the hotline
 * issues a credential for that provider.
 */
export const PHONE_MODULES: Partial<Record<BrowserCredential['provider'], PhoneModule>> = {
  asterisk: () => import('./sip.js'),
  twilio: () => import('./twilio.js'),
  signalwire: () => import('./signalwire.js'),
  plivo: () => import('./plivo.js'),
  vonage: () => import('./vonage.js'),
};

export type { ProviderPhoneNotice, ProviderPhoneState } from './types.js';

/** Ask again this long before the credentials expire (they last an hour). */
const REFRESH_BEFORE_MS = 5 * 60_000;
/** After a failure, ask again after this long: each ask may cost the hotline provider requests (and a rate limit). */
const RETRY_MS = 5 * 60_000;
/** How long Answer waits for the provider's ringing leg to reach this tab (the hub's ring may come first). */
export const LEG_WAIT_MS = 5_000;

export interface ProviderPhonesDeps {
  fetchCredentials: () => Promise<BrowserCredentialsResponse | null>;
  modules: Partial<Record<BrowserCredential['provider'], PhoneModule>>;
  now: () => number;
}

const DEFAULT_DEPS: ProviderPhonesDeps = {
  fetchCredentials: fetchBrowserCredentials,
  modules: PHONE_MODULES,
  now: () => Date.now(),
};

const wantsBrowser = (member: Pick<Me, 'callPreference' | 'permissions'> | null) =>
  member !== null &&
  (member.callPreference === 'browser' || member.callPreference === 'both') &&
  member.permissions.includes('calls:answer');

/** One member's phones, from sign-in to sign-out. */
export class ProviderPhones {
  private state: ProviderPhoneState = IDLE_PROVIDER_PHONES;
  private readonly listeners = new Set<() => void>();
  private readonly phones = new Map<BrowserCredential['provider'], ProviderPhone>();
  private readonly callWaiters = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private round = 0;

  constructor(private readonly deps: ProviderPhonesDeps = DEFAULT_DEPS) {}

  current = (): ProviderPhoneState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(next: Partial<ProviderPhoneState>): void {
    this.state = { ...this.state, ...next };
    for (const l of [...this.listeners]) l();
  }

  /** Starts asking for credentials and registering; idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  /** Unregisters every phone and forgets every call (lock, sign-out, page close, preference changed). */
  async stop(): Promise<void> {
    this.running = false;
    this.round += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const phones = [...this.phones.values()];
    this.phones.clear();
    this.set(IDLE_PROVIDER_PHONES);
    await Promise.all(phones.map((phone) => phone.unregister().catch(() => {})));
  }

  /** Asks again now (the notice's "Try again"). */
  retry(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.set({ notice: null });
    void this.connect();
  }

  private later(ms: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, ms);
  }

  /** Asks for credentials, then registers a new phone or hands the new credential to the one there is. */
  private async connect(): Promise<void> {
    const round = ++this.round;
    let answer: BrowserCredentialsResponse | null;
    try {
      answer = await this.deps.fetchCredentials();
    } catch (error) {
      if (round !== this.round) return;
      const status = error instanceof ApiRequestError ? error.status : 0;
      // 409: an admin must finish the provider's browser settings; asking again changes nothing.
      if (status === 409) return this.set({ notice: 'not-configured' });
      if (status === 503) this.set({ notice: 'unavailable' });
      return this.later(RETRY_MS);
    }
    if (round !== this.round) return;
    // No provider of this hotline rings browsers (the simulated carrier connects them itself).
    if (!answer) return;
    let failed = false;
    for (const credential of answer.credentials) {
      const load = this.deps.modules[credential.provider];
      if (!load) continue;
      try {
        await this.install(credential, load, round);
      } catch {
        if (round !== this.round) return;
        failed = true;
      }
    }
    if (round !== this.round) return;
    this.set({ notice: failed ? 'registration' : null, registered: [...this.phones.keys()] });
    const expiries = answer.credentials.map((c) => Date.parse(c.expiresAt)).filter(Number.isFinite);
    const soonest = expiries.length ? Math.min(...expiries) : this.deps.now() + 3600_000;
    this.later(failed ? RETRY_MS : Math.max(30_000, soonest - this.deps.now() - REFRESH_BEFORE_MS));
  }

  private async install(credential: BrowserCredential, load: PhoneModule, round: number): Promise<void> {
    const existing = this.phones.get(credential.provider);
    if (existing) {
      try {
        await existing.refresh(credential);
        return;
      } catch (error) {
        this.phones.delete(credential.provider);
        await existing.unregister().catch(() => {});
        throw error;
      }
    }
    const { createProviderPhone } = await load();
    const phone = await createProviderPhone(credential, this.events());
    if (round !== this.round) {
      await phone.unregister().catch(() => {});
      return;
    }
    this.phones.set(credential.provider, phone);
    try {
      await phone.register();
    } catch (error) {
      if (this.phones.get(credential.provider) === phone) this.phones.delete(credential.provider);
      await phone.unregister().catch(() => {});
      throw error;
    }
  }

  private events(): ProviderPhoneEvents {
    return {
      incoming: (call) => {
        // The queue rings a member for one call at a time: a second ringing leg is stale.
        if (this.state.call) return call.reject();
        this.set({ call, callId: call.callId, answered: false, connected: false, muted: false });
        for (const wake of [...this.callWaiters]) wake();
      },
      ended: (call) => {
        if (this.state.call === call)
          this.set({ call: null, callId: null, answered: false, connected: false, muted: false });
      },
      connected: (call) => {
        if (this.state.call === call && this.state.answered) this.set({ connected: true });
      },
      error: () => {
        // Registration lost (another tab of this member registered with a newer password, or the
        // provider went away): the notice offers to try again rather than taking the line back.
        this.set({ notice: 'registration' });
      },
    };
  }

  /** Whether a phone of this provider is registered here (its calls are answered through it). */
  rings(provider: string): boolean {
    return this.phones.has(provider as BrowserCredential['provider']);
  }

  /** The ringing provider call for hotline call `callId`; one the provider did not name matches too. */
  private ringingFor(callId: string, provider: string): IncomingProviderCall | null {
    const { call, answered } = this.state;
    if (!call || answered || call.provider !== provider) return null;
    return call.callId === null || call.callId === callId ? call : null;
  }

  /**
   * Answers hotline call `callId` through its provider's ringing leg, waiting a moment for the
   * leg to arrive. False when none came (the page falls back to the app's answer route).
   */
  async answer(callId: string, provider: string, waitMs = LEG_WAIT_MS): Promise<boolean> {
    let call = this.ringingFor(callId, provider);
    if (!call && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          if (!this.ringingFor(callId, provider)) return;
          done();
        };
        const timer = setTimeout(() => done(), waitMs);
        const done = () => {
          clearTimeout(timer);
          this.callWaiters.delete(wake);
          resolve();
        };
        this.callWaiters.add(wake);
      });
      call = this.ringingFor(callId, provider);
    }
    if (!call) return false;
    this.set({ callId, answered: true });
    try {
      await call.accept({ microphoneId: storedAudioDevices().inputId ?? undefined });
    } catch (error) {
      if (this.state.call === call)
        this.set({ call: null, callId: null, answered: false, connected: false, muted: false });
      throw error;
    }
    return true;
  }

  /** Hotline call `callId` is over for this member (taken by a colleague, ended, hung up): so is its leg. */
  end(callId: string): void {
    const { call, callId: bound, answered } = this.state;
    // A leg the provider did not name is left to the provider: it cancels the losing legs itself.
    if (!call || bound !== callId) return;
    if (answered) call.hangUp();
    else call.reject();
    this.set({ call: null, callId: null, answered: false, connected: false, muted: false });
  }

  /** The answered call's two sides, for transcription on this device; null until its audio is up. */
  audioStreams(): CallAudioStreams | null {
    const { call, callId, answered, connected } = this.state;
    if (!call || !answered || !connected || !callId) return null;
    return { callId, local: call.localStream(), remote: call.remoteStream() };
  }

  /** The answered call's statistics, for the card's network indicator; null until its audio is up. */
  statsSource(): CallStatsSource | null {
    const { call, answered, connected } = this.state;
    return call && answered && connected ? call.statsSource() : null;
  }

  setMuted(muted: boolean): void {
    this.state.call?.mute(muted);
    this.set({ muted });
  }
}

/** The page's one set of phones. */
export const providerPhones = new ProviderPhones();

/**
 * Follows the signed-in member (from lib/calls/store.ts's startCalls): phones while their call
 * preference includes the browser, none otherwise (also when they change it in My settings).
 * Returns the stop function (lock, sign-out).
 */
export function followProviderPhones(member: Me, phones: ProviderPhones = providerPhones): () => void {
  const sync = (who: Me | null) => {
    if (wantsBrowser(who)) phones.start();
    else void phones.stop();
  };
  sync(member);
  const off = onProfileChange(() => {
    const me = currentMe();
    if (me?.id === member.id) sync(me);
  });
  // Closing the tab unregisters, so the provider stops ringing a browser that is gone; a page
  // restored from the back-forward cache registers again.
  const onPageHide = () => void phones.stop();
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) sync(currentMe());
  };
  const page = typeof window === 'undefined' ? null : window;
  page?.addEventListener('pagehide', onPageHide);
  page?.addEventListener('pageshow', onPageShow);
  return () => {
    off();
    page?.removeEventListener('pagehide', onPageHide);
    page?.removeEventListener('pageshow', onPageShow);
    void phones.stop();
  };
}
