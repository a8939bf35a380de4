import type { ServerContext } from '../../http/context.js';
import type { SettingsChange } from '../../settings/hooks.js';
import { ReconnectingSocket } from '../../telephony/reconnecting-socket.js';
import { ChannelInputError, type MessagingChannel } from '../channel.js';
import { loadChannelConfig } from '../config-service.js';
import { createChannel, signalApiUrl } from '../registry.js';
import { parseSignalFrame } from './adapter.js';

/**
 * The server's side of Signal: a WebSocket to signal-cli-rest-api's /v1/receive/<number>
 * (json-rpc mode), kept open. On any close or error it reconnects after a delay that doubles
 * from `minDelayMs` up to `maxDelayMs`, back to the minimum once a connection opens. While no
 * client is connected signal-cli leaves messages queued (at the Signal service), so a dropped
 * socket loses nothing: they arrive on the next connection. Frames are handed to the
 * conversations module one at a time, in order; a message the module could not take is tried
 * again with a growing delay (the socket cannot ask for it again), and dropped only when the
 * receiver stops, with an error in the log.
 */
interface SignalReceiverOptions {
  wsUrl: string;
  number: string;
  channel: MessagingChannel;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class SignalReceiver {
  private readonly socket: ReconnectingSocket;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ServerContext,
    private readonly options: SignalReceiverOptions,
  ) {
    this.socket = new ReconnectingSocket({
      url: () => options.wsUrl,
      onOpen: () => this.ctx.log.info({ channel: 'signal' }, 'signal receive socket open'),
      onFrame: (frame) => {
        this.queue = this.queue.then(() => this.deliver(frame));
      },
      onUnparsable: () => this.ctx.log.warn({ channel: 'signal' }, 'signal frame is not JSON; dropped'),
      onClose: (code, stopped) => {
        if (!stopped)
          this.ctx.log.warn({ channel: 'signal', code }, 'signal receive socket closed; reconnecting');
      },
      minDelayMs: options.minDelayMs,
      maxDelayMs: options.maxDelayMs,
    });
  }

  /** Connection state, for the health of the channel and for tests. */
  get state(): 'connecting' | 'open' | 'closed' {
    return this.socket.state;
  }

  start(): void {
    this.stopped = false;
    this.socket.start();
  }

  private async deliver(frame: unknown): Promise<void> {
    let parsed: ReturnType<typeof parseSignalFrame>;
    try {
      parsed = parseSignalFrame(frame, this.options.number);
    } catch (error) {
      if (!(error instanceof ChannelInputError)) throw error;
      this.ctx.log.warn({ channel: 'signal', reason: error.message }, 'signal frame refused');
      return;
    }
    if (parsed.kind !== 'messages') return;
    for (const message of parsed.messages) {
      if (message.to !== this.options.number) {
        this.ctx.log.warn({ channel: 'signal' }, 'signal message for another account refused');
        continue;
      }
      let wait = this.options.minDelayMs ?? 500;
      for (;;) {
        const ingest = this.ctx.messaging.ingest;
        try {
          if (!ingest) throw new Error('no conversations module to take messages');
          await ingest.receive(this.options.channel, message);
          break;
        } catch (error) {
          // The conversations module's own limits: trying again would not pass.
          if (error instanceof ChannelInputError) {
            this.ctx.log.warn({ channel: 'signal', reason: error.message }, 'signal message refused');
            break;
          }
          if (this.stopped) {
            this.ctx.log.error(
              { channel: 'signal', err: { name: (error as Error)?.name } },
              'signal message not taken before stop',
            );
            return;
          }
          this.ctx.log.warn(
            { channel: 'signal', err: { name: (error as Error)?.name } },
            'signal message not taken; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, wait).unref());
          wait = Math.min(wait * 2, this.options.maxDelayMs ?? 30_000);
        }
      }
    }
  }

  /** Stops reconnecting, closes the socket and waits for the message being handed over. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.socket.stop();
    await this.queue.catch(() => {});
  }
}

/** The receive socket's URL for signal-cli-rest-api at `apiUrl` (http → ws). */
export const signalReceiveUrl = (apiUrl: string, number: string) =>
  `${apiUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/v1/receive/${encodeURIComponent(number)}`;

/** Connects to signal-cli-rest-api if Signal is configured (`ctx.messaging.signal`). */
export async function startSignalReceiver(ctx: ServerContext): Promise<void> {
  await stopSignalReceiver(ctx);
  let config: Awaited<ReturnType<typeof loadChannelConfig<'signal'>>>;
  try {
    config = await loadChannelConfig(ctx, 'signal');
  } catch (error) {
    ctx.log.error(
      { channel: 'signal', err: { name: (error as Error)?.name } },
      'signal configuration unreadable',
    );
    return;
  }
  if (!config) return;
  const overrides = ctx.messaging.overrides.signal ?? {};
  let apiUrl: string;
  try {
    apiUrl = overrides.apiBaseUrl ?? (await signalApiUrl(ctx, config));
  } catch (error) {
    ctx.log.error({ channel: 'signal', err: { name: (error as Error)?.name } }, 'signal is not usable here');
    return;
  }
  const receiver = new SignalReceiver(ctx, {
    wsUrl: signalReceiveUrl(apiUrl, config.number),
    number: config.number,
    channel: await createChannel(ctx, 'signal'),
    minDelayMs: overrides.reconnectDelayMs,
    maxDelayMs: overrides.reconnectDelayMs === undefined ? undefined : overrides.reconnectDelayMs * 8,
  });
  // Two starts at once (a saved configuration while the simulator starts it) leave one receiver.
  const previous = ctx.messaging.signal;
  ctx.messaging.signal = receiver;
  receiver.start();
  await previous?.stop();
}

export async function stopSignalReceiver(ctx: ServerContext): Promise<void> {
  const receiver = ctx.messaging.signal;
  ctx.messaging.signal = null;
  await receiver?.stop();
}

/** Signal's configuration saved or deleted: the receiver reconnects with it (or stops). */
export async function restartSignalReceiverOn(ctx: ServerContext, change: SettingsChange): Promise<void> {
  if (change.kind === 'channel' && change.channel === 'signal') await startSignalReceiver(ctx);
}
