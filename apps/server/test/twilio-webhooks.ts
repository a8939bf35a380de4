import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../src/telephony/twilio/signature.js';

/**
 * Plays Twilio for router tests that need a provider whose state outlives a server (restarts,
 * several processes): signed form webhooks sent to a real server, signed over its PUBLIC_URL.
 */
export const TEST_TWILIO = { accountSid: `AC${'cd'.repeat(16)}`, authToken: randomBytes(16).toString('hex') };

export async function twilioWebhook(
  serverUrl: string,
  url: string,
  params: Record<string, string>,
  authToken = TEST_TWILIO.authToken,
): Promise<{ status: number; body: string }> {
  const target = url.startsWith('http') ? url : `${serverUrl}${url}`;
  const response = await fetch(target, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(authToken, target, Object.entries(params)),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text() };
}

/** An attribute of the first element `name` in a TwiML document. */
export function twimlAttribute(xml: string, name: string, attribute: string): string | null {
  const element = new RegExp(`<${name}\\b[^>]*\\b${attribute}="([^"]*)"`).exec(xml);
  return element ? element[1]!.replace(/&amp;/g, '&') : null;
}
