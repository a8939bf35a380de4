import { fromBase64url } from '@llamenos/crypto';
import type { TFunction } from 'i18next';
import {
  ApiRequestError,
  fetchVapidKey,
  removePushSubscription,
  savePushSubscription,
} from '../lib/api/index.js';

/**
 * This device's Web Push subscription, made only when the member turns notifications on in
 * their settings. The server stores it per device; the id it gives is kept here to remove it.
 */

const SUBSCRIPTION_ID = 'llamenos.push-subscription-id';

export type PushState = 'unsupported' | 'denied' | 'on' | 'off';

export function pushSupported(): boolean {
  return (
    import.meta.env.PROD &&
    'serviceWorker' in navigator &&
    typeof PushManager !== 'undefined' &&
    typeof Notification !== 'undefined'
  );
}

async function registration(): Promise<ServiceWorkerRegistration | undefined> {
  return navigator.serviceWorker.getRegistration('/');
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const subscription = await (await registration())?.pushManager.getSubscription();
  return subscription && localStorage.getItem(SUBSCRIPTION_ID) ? 'on' : 'off';
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.length && new Uint8Array(a).every((v, i) => v === b[i]);

export async function enablePush(t: TFunction): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if ((await Notification.requestPermission()) !== 'granted') return 'denied';
  const ready = await navigator.serviceWorker.ready;
  const serverKey = fromBase64url((await fetchVapidKey()).publicKey);
  let subscription = await ready.pushManager.getSubscription();
  // A subscription made for another server key (another hotline on this origin, or a reset) cannot be used.
  if (subscription && !sameKey(subscription.options.applicationServerKey, serverKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await ready.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: serverKey as Uint8Array<ArrayBuffer>,
  });
  const json = subscription.toJSON();
  const { id } = await savePushSubscription({
    endpoint: subscription.endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
  });
  localStorage.setItem(SUBSCRIPTION_ID, id);
  await rememberNotificationText(t);
  return 'on';
}

export async function disablePush(): Promise<PushState> {
  const id = localStorage.getItem(SUBSCRIPTION_ID);
  if (id) {
    try {
      await removePushSubscription(id);
    } catch (error) {
      // Already gone on the server (the push service expired it): nothing left to remove.
      if (!(error instanceof ApiRequestError && error.status === 404)) throw error;
    }
    localStorage.removeItem(SUBSCRIPTION_ID);
  }
  await (await (await registration())?.pushManager.getSubscription())?.unsubscribe();
  return 'off';
}

/** Gives the service worker the notification words in the member's language. */
export async function rememberNotificationText(t: TFunction): Promise<void> {
  if (!pushSupported()) return;
  const worker = (await registration())?.active;
  worker?.postMessage({
    type: 'notification-text',
    text: {
      call: t('pwa.notification.call'),
      message: t('pwa.notification.message'),
      body: t('pwa.notification.body'),
    },
  });
}
