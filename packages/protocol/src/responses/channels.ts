import { z } from 'zod';
import { type ChannelSummary, MessagingChannelName, MetaTemplate } from '../channels.js';

/** Answers of the messaging channel settings routes, as the web client checks them. */

/** A secret field: only that it is set, never its value or any part of it. */
const SetSecret = z.object({ set: z.literal(true) }).strict();

/** `PUT /api/settings/channels/:channel`, and each channel in the list. */
export const ChannelSummarySchema = z.object({
  configured: z.boolean(),
  disabled: z.boolean(),
  readable: z.boolean(),
  addresses: z.array(z.string()),
  updatedAt: z.string().nullable(),
  fields: z.record(z.string(), z.union([z.string(), z.boolean(), z.null(), MetaTemplate, SetSecret])),
}) satisfies z.ZodType<ChannelSummary>;

/** `GET /api/settings/channels`: one summary per channel, configured or not. */
export const ChannelListResponse = z.object({
  channels: z.record(MessagingChannelName, ChannelSummarySchema),
});
export type ChannelListResponse = z.infer<typeof ChannelListResponse>;
