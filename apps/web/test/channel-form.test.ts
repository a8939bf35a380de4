/**
 * The admin's messaging channel form: what it sends (a secret left empty is left out only while
 * one is stored, so the server keeps it), what it refuses before sending (the shared schema),
 * and the URLs it shows for pasting at the provider.
 */
import type { ChannelSummary } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { bodyOf, channelFormSchema, initialValues, webhookUrls } from '../src/pages/admin/channelForm.js';
import { messagingOf } from '../src/pages/admin/MessagingSection.js';

const SID = `AC${'ab'.repeat(16)}`;
const stored: ChannelSummary = {
  configured: true,
  disabled: false,
  readable: true,
  addresses: ['+15550100100'],
  updatedAt: '2026-12-04T20:00:00.000Z',
  fields: { accountSid: SID, authToken: { set: true } },
};

describe('channel form', () => {
  it('starts from the stored public fields and numbers, never a secret', () => {
    expect(initialValues('twilio-sms', stored)).toEqual({
      accountSid: SID,
      authToken: '',
      phoneNumbers: '+15550100100',
    });
  });

  it('leaves an empty secret out while one is stored, and sends it otherwise', () => {
    const values = { accountSid: SID, authToken: '', phoneNumbers: '+1 555 010-0100\n+15550100101' };
    expect(bodyOf('twilio-sms', values, true)).toEqual({
      accountSid: SID,
      phoneNumbers: ['+15550100100', '+15550100101'],
    });
    expect(bodyOf('twilio-sms', values, false)).toMatchObject({ authToken: '' });
  });

  it('sends an emptied optional field as null, so the server removes it, and the form still validates', () => {
    const values = {
      applicationId: '0b6c3e4e-1f2a-4c3d-9e8f-7a6b5c4d3e2f',
      privateKey: '',
      signatureSecret: '',
      apiKey: '  ',
      phoneNumbers: '+15550100300',
    };
    expect(bodyOf('vonage', values, true)).toEqual({
      applicationId: values.applicationId,
      apiKey: null,
      phoneNumbers: ['+15550100300'],
    });
    expect(channelFormSchema('vonage', true).safeParse(values).success).toBe(true);
  });

  it('refuses what the server would refuse, on the field it concerns', () => {
    const fresh = channelFormSchema('twilio-sms', false);
    const missing = fresh.safeParse({ accountSid: SID, authToken: '', phoneNumbers: '+15550100100' });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path)).toEqual([['authToken']]);

    const kept = channelFormSchema('twilio-sms', true);
    expect(kept.safeParse({ accountSid: SID, authToken: '', phoneNumbers: '+15550100100' }).success).toBe(
      true,
    );
    const badNumber = kept.safeParse({ accountSid: SID, authToken: '', phoneNumbers: '5550100' });
    expect(badNumber.error?.issues.map((i) => i.path)).toEqual([['phoneNumbers']]);
  });

  it("puts the WhatsApp template's two parts together, or null when both are empty", () => {
    const base = { phoneNumberId: '123456', accessToken: '', appSecret: '', verifyToken: '' };
    expect(bodyOf('whatsapp', { ...base, templateName: 'reopen', templateLanguage: 'es_MX' }, true)).toEqual({
      phoneNumberId: '123456',
      outsideWindowTemplate: { name: 'reopen', language: 'es_MX' },
    });
    expect(bodyOf('whatsapp', { ...base, templateName: '', templateLanguage: '' }, true)).toEqual({
      phoneNumberId: '123456',
      outsideWindowTemplate: null,
    });
    const half = channelFormSchema('whatsapp', true).safeParse({
      ...base,
      templateName: 'reopen',
      templateLanguage: '',
    });
    expect(half.error?.issues.map((i) => i.path)).toEqual([['templateLanguage']]);
  });

  it('shows the inbound and status URLs, Meta one callback URL, Signal none', () => {
    expect(webhookUrls('twilio-sms', 'https://hotline.example.org/')).toEqual({
      inbound: 'https://hotline.example.org/api/messaging/twilio-sms/inbound',
      status: 'https://hotline.example.org/api/messaging/twilio-sms/status',
    });
    expect(webhookUrls('whatsapp', 'https://hotline.example.org')).toEqual({
      inbound: 'https://hotline.example.org/api/messaging/whatsapp/inbound',
      status: null,
    });
    expect(webhookUrls('signal', 'https://hotline.example.org')).toBeNull();
  });
});

describe('messaging settings form', () => {
  it('reads keywords upper-cased and leaves empty replies out', () => {
    expect(
      messagingOf({
        capacityPerVolunteer: '4',
        retentionDays: '0',
        messagesPerContactPerHour: '60',
        stopKeywords: 'stop, alto ,',
        startKeywords: 'start',
        noVolunteerReply: { en: 'Busy', es: '  ' },
        firstContactReply: { en: '', es: 'Hola' },
      }),
    ).toEqual({
      capacityPerVolunteer: 4,
      noVolunteerReply: { en: 'Busy' },
      firstContactReply: { es: 'Hola' },
      stopKeywords: ['STOP', 'ALTO'],
      startKeywords: ['START'],
      retentionDays: 0,
      messagesPerContactPerHour: 60,
    });
  });
});
