import WebSocket from 'ws';

/**
 * The ARI events WebSocket (GET /ari/events?app=<app>&api_key=<user>:<password>), kept open:
 * on any close or error it reconnects after a delay that doubles from `minDelayMs` up to
 * `maxDelayMs`, and starts again from the minimum once a connection has opened. Each text
 * message is parsed as JSON and handed to `onEvent`; anything unparsable is dropped.
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
  private socket: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private stopped = false;

  constructor(private readonly options: EventStreamOptions) {
    this.delay = options.minDelayMs ?? 500;
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
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.on('open', () => {
      this.delay = this.options.minDelayMs ?? 500;
      this.options.onState?.('open');
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let event: unknown;
      try {
        event = JSON.parse(data.toString());
      } catch {
        return;
      }
      this.options.onEvent(event);
    });
    // 'error' is always followed by 'close'; reconnecting happens there, once.
    socket.on('error', () => {});
    socket.on('close', (code) => {
      if (this.socket === socket) this.socket = null;
      this.options.onState?.('closed', `code ${code}`);
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.options.maxDelayMs ?? 30_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, wait);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
  }
}
