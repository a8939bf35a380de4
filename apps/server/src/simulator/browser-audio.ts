import type { BrowserAudio } from '../calls/browser.js';
import type { SimPhone } from './carrier.js';
import { simulatedCarrier } from './instance.js';

/**
 * The simulated carrier's side of browser audio, as the call router sees it (calls/browser.ts):
 * the caller's offer goes only to the browser the carrier bridged that caller to, which is the
 * volunteer who won the call; the answer goes back to the caller's page.
 */
const LIVE = new Set(['queued', 'ringing', 'in-progress']);

const bridgedToBrowserOf = (phone: SimPhone | undefined, userId: string): boolean =>
  phone !== undefined &&
  phone.role === 'caller' &&
  LIVE.has(phone.status) &&
  phone.bridgedTo === `browser:${userId}`;

export const simulatedBrowserAudio: BrowserAudio = {
  async callerOffer(ctx, call, userId, waitMs) {
    const carrier = await simulatedCarrier(ctx);
    const sid = call.providerCallId;
    // Waits for the page's offer (it may still be asking for the microphone) and for the bridge;
    // a phone that ended or is bridged elsewhere has nothing for this volunteer.
    const found = await carrier.audio.waitFor(() => {
      const phone = carrier.phones.get(sid);
      // An offer already answered is spent (a reloaded tab cannot take over the audio).
      if (!phone || !LIVE.has(phone.status) || carrier.audio.answerOf(sid)) return { offer: null };
      const offer = carrier.audio.offerOf(sid);
      return offer && bridgedToBrowserOf(phone, userId) ? { offer } : null;
    }, waitMs);
    return found?.offer ?? null;
  },

  async answerCaller(ctx, call, userId, sdp) {
    const carrier = await simulatedCarrier(ctx);
    const sid = call.providerCallId;
    if (!bridgedToBrowserOf(carrier.phones.get(sid), userId)) return false;
    return carrier.audio.setAnswer(sid, sdp);
  },

  async hold(ctx, call, userId, onHold) {
    const carrier = await simulatedCarrier(ctx);
    const sid = call.providerCallId;
    const phone = carrier.phones.get(sid);
    if (!phone || !bridgedToBrowserOf(phone, userId)) return null;
    const set = carrier.audio.setHeld(sid, onHold);
    if (!set) return null;
    if (set.changed) phone.heard.push(onHold ? '(on hold by the volunteer)' : '(back with the volunteer)');
    return { onHold, changed: set.changed };
  },

  async transfer(ctx, call, fromUserId, toUserId) {
    const carrier = await simulatedCarrier(ctx);
    const sid = call.providerCallId;
    const phone = carrier.phones.get(sid);
    if (!phone || !bridgedToBrowserOf(phone, fromUserId)) return false;
    if (carrier.audio.restart(sid) === null) return false;
    phone.bridgedTo = `browser:${toUserId}`;
    phone.heard.push('(transferred to another volunteer)');
    carrier.audio.wake();
    return true;
  },
};
