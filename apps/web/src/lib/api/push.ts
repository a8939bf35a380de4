import { type PushSubscriptionBody, PushSubscriptionResponse, VapidKeyResponse } from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/** Web Push: the server's VAPID key and this device's subscription. */

export const fetchVapidKey = () => request(VapidKeyResponse, 'GET', '/api/push/vapid-key');

export const savePushSubscription = (subscription: PushSubscriptionBody) =>
  request(PushSubscriptionResponse, 'POST', '/api/push/subscriptions', subscription);

export const removePushSubscription = (id: string) =>
  requestVoid('DELETE', `/api/push/subscriptions/${encodeURIComponent(id)}`);
