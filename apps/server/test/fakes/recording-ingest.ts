import type {
  ChannelId,
  ConversationIngest,
  InboundMessage,
  MessagingChannel,
  StatusUpdate,
} from '../../src/messaging/channel.js';

/**
 * Stands in for the conversations module in channel tests: records what the webhook routes and
 * the Signal receiver hand over, and can be told to fail the next deliveries (a database that
 * is down), so routes are tested without sealing or storage.
 */
export class RecordingIngest implements ConversationIngest {
  readonly received: { channel: ChannelId; message: InboundMessage; adapter: MessagingChannel }[] = [];
  readonly statuses: { channel: ChannelId; update: StatusUpdate }[] = [];
  private failures = 0;

  failNext(times = 1): void {
    this.failures += times;
  }

  async receive(channel: MessagingChannel, message: InboundMessage): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('ingest is down');
    }
    this.received.push({ channel: channel.id, message, adapter: channel });
  }

  async applyStatus(channel: ChannelId, update: StatusUpdate): Promise<void> {
    this.statuses.push({ channel, update });
  }

  clear(): void {
    this.received.length = 0;
    this.statuses.length = 0;
    this.failures = 0;
  }
}
