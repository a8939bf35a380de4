import { ChannelListResponse, ChannelSummarySchema, type MessagingChannelId } from '@llamenos/protocol';
import { request, requestVoid } from './http.js';

/** The messaging channels (SMS, WhatsApp, Signal) as the admin's screen connects them. */

/** Every channel, configured or not: numbers and public fields as stored, secrets as `{ set: true }`. */
export const fetchChannels = async () =>
  (await request(ChannelListResponse, 'GET', '/api/settings/channels')).channels;

/** Stores a channel's configuration; secret fields left out keep their stored values. */
export const saveChannel = (channel: MessagingChannelId, body: Record<string, unknown>) =>
  request(ChannelSummarySchema, 'PUT', `/api/settings/channels/${channel}`, body);

/** Takes a channel out of service (or back), its credentials kept: disabled, its webhooks answer 404. */
export const setChannelDisabled = (channel: MessagingChannelId, disabled: boolean) =>
  request(ChannelSummarySchema, 'PUT', `/api/settings/channels/${channel}/disabled`, { disabled });

/** Disconnects a channel: its webhooks answer 404 from then on. */
export const removeChannel = (channel: MessagingChannelId) =>
  requestVoid('DELETE', `/api/settings/channels/${channel}`);
