import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { saveProviderCredentials } from '../settings/service.js';
import { createTelephony } from './registry.js';
import { simulatorAccount } from './simulator/credentials.js';
import { FakeTwilioApi } from './simulator/fake-twilio-api.js';
import { simulatedCarrierApi, stopSimulatedCarrierApi } from './simulator/instance.js';
import { twilioSignature } from './twilio/signature.js';
import { makeWebhookRequest } from './webhook-request.js';

const LEG = {
  to: '+15551230001',
  from: '+15559870002',
  answerUrl: 'https://hotline.example/a',
  statusUrl: 'https://hotline.example/s',
  timeoutSeconds: 20,
};
const actor = { pubkey: null, ipHash: null };

let h: TestHotline;
beforeAll(async () => {
  h = await createTestHotline();
});
afterAll(async () => {
  await stopSimulatedCarrierApi(h.ctx);
  await h.close();
});

describe('createTelephony', () => {
  it('refuses a provider with no stored credentials', async () => {
    for (const provider of ['twilio', 'signalwire', 'vonage', 'plivo', 'asterisk'] as const)
      await expect(createTelephony(h.ctx, provider)).rejects.toThrow(/no credentials are stored/);
  });

  it('builds Vonage, Plivo and Asterisk from their stored credentials', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    await saveProviderCredentials(h.ctx, actor, 'vonage', {
      apiKey: 'abcd1234',
      apiSecret: 'api-secret-0123',
      applicationId: randomUUID(),
      privateKey,
      signatureSecret: 'signature-secret-0123',
      phoneNumbers: ['+15559870005'],
    });
    await saveProviderCredentials(h.ctx, actor, 'plivo', {
      authId: 'MAXXXXXXXXXXXXXXXXXX',
      authToken: 'plivo-token-0123',
      phoneNumbers: ['+15559870003'],
    });
    await saveProviderCredentials(h.ctx, actor, 'asterisk', {
      ariUrl: 'http://127.0.0.1:8088',
      username: 'llamenos',
      password: 'ari-password-0123',
      app: 'llamenos',
      phoneNumbers: ['+15559870004'],
    });
    expect((await createTelephony(h.ctx, 'vonage')).provider).toBe('vonage');
    expect((await createTelephony(h.ctx, 'plivo')).provider).toBe('plivo');
    const asterisk = await createTelephony(h.ctx, 'asterisk');
    expect(asterisk.transport).toBe('events');
  });

  it('refuses an Asterisk ARI URL on a public address, saying why', async () => {
    await saveProviderCredentials(h.ctx, actor, 'asterisk', {
      ariUrl: 'http://203.0.113.9:8088',
      username: 'llamenos',
      password: 'ari-password-0123',
      app: 'llamenos',
      phoneNumbers: ['+15559870004'],
    });
    await expect(createTelephony(h.ctx, 'asterisk')).rejects.toThrow(/private-network/);
  });

  it('builds Twilio from the stored (sealed) credentials', async () => {
    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    await saveProviderCredentials(h.ctx, actor, 'twilio', {
      accountSid,
      authToken,
      phoneNumbers: ['+15559870002'],
    });
    const fake = await FakeTwilioApi.start({ accountSid, authToken });
    try {
      const twilio = await createTelephony(h.ctx, 'twilio', { apiBaseUrl: fake.baseUrl });
      expect(twilio.provider).toBe('twilio');
      await twilio.createVolunteerLeg(LEG);
      expect(fake.requests.at(-1)!.auth).toEqual({ username: accountSid, password: authToken });
    } finally {
      await fake.close();
    }
  });

  it('simulator: the Twilio adapter against the in-process fake, with an account derived from SERVER_SECRET', async () => {
    const simulator = await createTelephony(h.ctx, 'simulator');
    expect(simulator.provider).toBe('simulator');
    if (simulator.transport !== 'webhook') throw new Error('expected a webhook provider');
    const { legId } = await simulator.createVolunteerLeg(LEG);
    const api = await simulatedCarrierApi(h.ctx);
    expect(api.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.call(legId)?.to).toBe(LEG.to);

    // Its webhooks are signed with the derived token, which the adapter checks.
    const account = simulatorAccount(h.ctx.config.serverSecret);
    const url = 'http://127.0.0.1:3000/api/telephony/simulator/voice';
    const params: [string, string][] = [['CallSid', legId]];
    const webhook = (signature: string) =>
      makeWebhookRequest({
        method: 'POST',
        publicUrl: url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
    expect(simulator.verifyWebhook(webhook(twilioSignature(account.authToken, url, params)))).toBe(true);
    expect(simulator.verifyWebhook(webhook(twilioSignature('another-token', url, params)))).toBe(false);
  });

  it('the simulator account is stable per secret and differs between installs', () => {
    const a = simulatorAccount(new Uint8Array(32).fill(1));
    expect(simulatorAccount(new Uint8Array(32).fill(1))).toEqual(a);
    expect(simulatorAccount(new Uint8Array(32).fill(2)).authToken).not.toBe(a.authToken);
    expect(a.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(a.authToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses the simulator in production', async () => {
    const production = { ...h.ctx, config: { ...h.ctx.config, isProduction: true } };
    await expect(createTelephony(production, 'simulator')).rejects.toThrow(/off in production/);
  });
});
