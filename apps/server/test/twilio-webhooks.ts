import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../src/http/context.js';
import { saveProviderCredentials } from '../src/settings/service.js';
import type { FakeTwilioApi } from '../src/telephony/simulator/fake-twilio-api.js';
import type { FakeCall } from '../src/telephony/simulator/fake-twilio-state.js';
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

/** Makes Twilio (TEST_TWILIO) the hotline's provider with `number` as its hotline number. */
export async function useTwilioNumber(ctx: ServerContext, number: string): Promise<void> {
  await saveProviderCredentials(ctx, { pubkey: null, ipHash: null }, 'twilio', {
    ...TEST_TWILIO,
    phoneNumbers: [number],
  });
}

/**
 * A caller on the line at the fake Twilio API, as the provider holds it when it sends the
 * inbound webhook: the call exists and is in progress.
 */
export function callerOnTheLine(fake: FakeTwilioApi, to: string, from: string): FakeCall {
  const caller = fake.state.createCall({
    to,
    from,
    url: '',
    statusCallback: null,
    statusCallbackEvents: [],
    timeoutSeconds: 60,
  });
  fake.setCallStatus(caller.sid, 'in-progress');
  return caller;
}

/** Twilio's inbound webhook for `caller`'s call to the hotline number `to`. */
export function twilioInbound(
  serverUrl: string,
  caller: FakeCall,
  to: string,
  more: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return twilioWebhook(serverUrl, '/api/telephony/twilio/inbound', {
    CallSid: caller.sid,
    From: caller.from,
    To: to,
    ...more,
  });
}
