import type { PushNotice } from '@llamenos/protocol';
import webPush from 'web-push';
import type { ServerContext } from '../http/context.js';
import { endpointRefusal } from './endpoint.js';
import { deleteSubscription, markSent, type SubscriptionRow } from './store.js';
import { vapidKeys, vapidSubject } from './vapid.js';

/**
 * Sends one notice to devices. web-push builds the request (aes128gcm payload, RFC 8291, and
 * the VAPID Authorization header, RFC 8292); this module sends it itself with fetch so that
 * redirects are refused, the time is bounded, and the endpoint is checked again just before
 * the request (a row written before a rule change is not trusted).
 */

const SEND_TIMEOUT_MS = 10_000;

/** How long a push service keeps a notice for an offline device: a ringing call is stale in a minute. */
const TTL_SECONDS: Record<PushNotice['type'], number> = { call: 60, message: 3600 };

export type PushOutcome = 'sent' | 'gone' | 'refused' | 'failed';

export async function sendNotice(
  ctx: ServerContext,
  subscriptions: readonly SubscriptionRow[],
  notice: PushNotice,
): Promise<PushOutcome[]> {
  if (!subscriptions.length) return [];
  const keys = await vapidKeys(ctx);
  const payload = JSON.stringify(notice);
  return Promise.all(subscriptions.map((s) => sendOne(ctx, s, payload, notice.type, keys)));
}

async function sendOne(
  ctx: ServerContext,
  subscription: SubscriptionRow,
  payload: string,
  type: PushNotice['type'],
  keys: { publicKey: string; privateKey: string },
): Promise<PushOutcome> {
  if (endpointRefusal(subscription.endpoint, ctx.config)) {
    await deleteSubscription(ctx.db, subscription.id);
    ctx.log.warn(
      { subscriptionId: subscription.id },
      'push subscription refused by the endpoint rule; deleted',
    );
    return 'refused';
  }
  const request = webPush.generateRequestDetails(
    { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
    payload,
    {
      vapidDetails: { subject: vapidSubject(ctx.config.PUBLIC_URL), ...keys },
      TTL: TTL_SECONDS[type],
      urgency: type === 'call' ? 'high' : 'normal',
      contentEncoding: 'aes128gcm',
    },
  );
  let status: number;
  try {
    // fetch sets Content-Length from the body itself.
    const headers = Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name]) => name.toLowerCase() !== 'content-length')
        .map(([name, value]) => [name, String(value)]),
    );
    const response = await fetch(request.endpoint, {
      method: 'POST',
      headers,
      body: request.body ? new Uint8Array(request.body) : null,
      redirect: 'manual',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.body?.cancel();
    status = response.status;
  } catch (error) {
    ctx.log.warn(
      { subscriptionId: subscription.id, err: { name: (error as Error).name } },
      'push service unreachable',
    );
    return 'failed';
  }
  if (status === 404 || status === 410) {
    // The browser unsubscribed or the subscription expired: it will never deliver again.
    await deleteSubscription(ctx.db, subscription.id);
    return 'gone';
  }
  if (status < 200 || status > 299) {
    ctx.log.warn({ subscriptionId: subscription.id, status }, 'push service refused a notice');
    return 'failed';
  }
  await markSent(ctx.db, subscription.id, ctx.now());
  return 'sent';
}
