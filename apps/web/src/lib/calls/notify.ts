/**
 * Browser notifications for incoming calls: only once the member granted permission. The
 * permission is asked at moments that are about calls, never as a surprise while one rings:
 * an offer on the dashboard's shift panel (first seen at the end of joining, and again when a
 * shift of theirs starts), and when the member turns "Taking calls" on. "Not now" is
 * remembered on this device until their next shift starts, and a browser that said no is never
 * asked again (it would not show the prompt
 * anyway). Notifications carry the caller's last 4 digits at most.
 */

const shown = new Map<string, Notification>();
const NOT_NOW_KEY = 'llamenos.notifications.notNow';

export type CallNotificationPermission = NotificationPermission | 'unsupported';

export const notificationsSupported = (): boolean => typeof Notification !== 'undefined';

export const notificationPermission = (): CallNotificationPermission =>
  notificationsSupported() ? Notification.permission : 'unsupported';

export async function requestNotificationPermission(): Promise<CallNotificationPermission> {
  if (!notificationsSupported()) return 'unsupported';
  return Notification.requestPermission();
}

/** What "Not now" remembers on this device: whether the member was on shift when saying it. */
export type OfferDismissal = 'on-shift' | 'off-shift' | null;

export function readOfferDismissal(): OfferDismissal {
  const stored = localStorage.getItem(NOT_NOW_KEY);
  if (stored === null) return null;
  return stored === 'on-shift' ? 'on-shift' : 'off-shift';
}

export function writeOfferDismissal(value: OfferDismissal): void {
  if (value === null) localStorage.removeItem(NOT_NOW_KEY);
  else localStorage.setItem(NOT_NOW_KEY, value);
}

/**
 * "Not now" holds until a shift of the member's starts. Said off shift, the offer is back the
 * next time they are seen on shift; said on shift, once they have been seen off shift and then
 * on again. `onShift` undefined (not known yet) changes nothing.
 */
export function dismissalAfter(stored: OfferDismissal, onShift: boolean | undefined): OfferDismissal {
  if (stored === null || onShift === undefined) return stored;
  if (stored === 'off-shift' && onShift) return null;
  if (stored === 'on-shift' && !onShift) return 'off-shift';
  return stored;
}

/** The member said "Not now" to the offer on this device (and no shift has started since). */
export const notificationOfferDismissed = (): boolean => readOfferDismissal() !== null;

/** Whether to offer call notifications: only while the browser would still ask, and not after "Not now". */
export const shouldOfferNotifications = (
  permission: CallNotificationPermission,
  dismissed: boolean,
): boolean => permission === 'default' && !dismissed;

export interface PermissionAsker {
  permission: () => CallNotificationPermission;
  dismissed: () => boolean;
  request: () => Promise<CallNotificationPermission>;
}

const browserAsker: PermissionAsker = {
  permission: notificationPermission,
  dismissed: notificationOfferDismissed,
  request: requestNotificationPermission,
};

/**
 * The member just turned "Taking calls" on (a click, so the browser may show its prompt): ask,
 * unless they already answered, said "Not now", or the browser has refused.
 */
export async function askWhenTakingCalls(asker: PermissionAsker = browserAsker): Promise<void> {
  if (!shouldOfferNotifications(asker.permission(), asker.dismissed())) return;
  await asker.request().catch(() => undefined);
}

export function notifyIncomingCall(callId: string, title: string, body: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== 'granted' || shown.has(callId)) return;
  try {
    const n = new Notification(title, { body, tag: `call-${callId}`, requireInteraction: true });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
    shown.set(callId, n);
  } catch {
    // some browsers allow notifications only from a service worker; the card still shows the call
  }
}

export function closeCallNotification(callId: string): void {
  shown.get(callId)?.close();
  shown.delete(callId);
}

export function closeAllCallNotifications(): void {
  for (const id of [...shown.keys()]) closeCallNotification(id);
}
