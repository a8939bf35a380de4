import {
  CHANNEL_CONFIG as SHARED_CHANNEL_CONFIG,
  PUBLIC_CHANNEL_FIELDS as SHARED_PUBLIC_FIELDS,
  type ChannelConfig as SharedChannelConfig,
} from '@llamenos/protocol';
import type { z } from 'zod';
import { isAllowedAriHost } from '../telephony/asterisk/address.js';
import type { ChannelId } from './channel.js';

/**
 * What an admin enters to connect each messaging channel: the schemas are shared with the admin's
 * form (@llamenos/protocol, channels.ts). Stored sealed at rest, one row per channel
 * (config-store.ts); `addresses` (the hotline's numbers or accounts on the channel) are kept
 * beside the sealed blob in clear, like the telephony numbers: they are published to contacts,
 * and the webhook route needs them to decide that a message is for this hotline.
 */

/** signal-cli-rest-api has no authentication: it must be reached over loopback or a private network. */
const onPrivateHost = (config: SharedChannelConfig['signal']) => {
  if (!('apiUrl' in config)) return true;
  try {
    return isAllowedAriHost(new URL(config.apiUrl).hostname);
  } catch {
    return false;
  }
};

const Signal = SHARED_CHANNEL_CONFIG.signal.refine(onPrivateHost, {
  path: ['apiUrl'],
  message:
    'an http(s) URL on "localhost" or a loopback or private-network IP address: signal-cli-rest-api has no authentication, so it must never be reachable from the internet',
});

export const CHANNEL_CONFIG = {
  ...SHARED_CHANNEL_CONFIG,
  signal: Signal,
} as const satisfies Record<ChannelId, z.ZodType>;

export type ChannelConfig = SharedChannelConfig;

/** Fields shown back to admins as they are; every other field except the addresses is masked. */
export const PUBLIC_CHANNEL_FIELDS: Record<ChannelId, readonly string[]> = SHARED_PUBLIC_FIELDS;

/** The hotline's numbers/accounts on a channel: what a message's `to` must be. */
export function addressesOf<C extends ChannelId>(channel: C, config: ChannelConfig[C]): string[] {
  const c = config as Record<string, unknown>;
  if (channel === 'whatsapp') return [String(c.phoneNumberId)];
  if (channel === 'signal') return [String(c.number)];
  return [...(c.phoneNumbers as string[])];
}
