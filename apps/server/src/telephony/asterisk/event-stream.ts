import { ReconnectingSocket } from '../reconnecting-socket.js';

/**
 * The ARI events WebSocket (GET /ari/events?app=<app>&api_key=<user>:<password>), kept open and
 * reconnected with a growing delay (../reconnecting-socket.ts). Each text message is parsed as
 * JSON and handed to `onEvent`; anything unparsable is dropped.
 */
interface EventStreamOptions {
  /** ws:// or wss:// base (see address.ts). */
  wsBase: string;
  app: string;
  username: string;
  password: string;
  onEvent: (event: unknown) => void;
  /** Told of each (re)connection and loss, for logs; never given the credentials. */
  onState?: (state: 'open' | 'closed', detail?: string) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class AriEventStream {
  private readonly socket: ReconnectingSocket;

  constructor(private readonly options: EventStreamOptions) {
    this.socket = new ReconnectingSocket({
      url: () => this.url(),
      onFrame: (event) => options.onEvent(event),
      onOpen: () => options.onState?.('open'),
      onClose: (code) => options.onState?.('closed', `code ${code}`),
      minDelayMs: options.minDelayMs,
      maxDelayMs: options.maxDelayMs,
    });
  }

  /** The events URL; the api_key parameter is how ARI authenticates WebSocket clients. */
  private url(): string {
    const query = new URLSearchParams({
      app: this.options.app,
      api_key: `${this.options.username}:${this.options.password}`,
    });
    return `${this.options.wsBase}/ari/events?${query.toString()}`;
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }
}
