/**
 * Browser notifications for incoming calls: only once the member granted permission (asked
 * with a button, never automatically). They carry the caller's last 4 digits at most.
 */

const shown = new Map<string, Notification>();

export const notificationsSupported = (): boolean => typeof Notification !== 'undefined';

export const notificationPermission = (): NotificationPermission | 'unsupported' =>
  notificationsSupported() ? Notification.permission : 'unsupported';

export async function requestNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!notificationsSupported()) return 'unsupported';
  return Notification.requestPermission();
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
