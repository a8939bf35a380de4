import { twilioSignature } from '../telephony/twilio/signature.js';

/**
 * What the simulated carrier sends the hotline, for calls (carrier.ts) and texts (texting.ts): a
 * form POST signed with X-Twilio-Signature exactly as Twilio signs it, over the public URL the
 * webhook was configured with. It is delivered to `origin` (this server over loopback) when the
 * server knows it, so a PUBLIC_URL behind a proxy or tunnel need not be reachable from here.
 * Network failures and timeouts (15 s) are thrown; the caller decides what they mean.
 */
export async function postSignedForm(
  hotline: { publicUrl: string; origin: string | null; authToken: string },
  url: string,
  params: Record<string, string>,
): Promise<Response> {
  const signature = twilioSignature(hotline.authToken, url, Object.entries(params));
  const { publicUrl, origin } = hotline;
  const target = origin && url.startsWith(publicUrl) ? `${origin}${url.slice(publicUrl.length)}` : url;
  return fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(15_000),
  });
}
