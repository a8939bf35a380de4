import WebSocket from 'ws';

/**
 * A WebSocket the server holds to a service that pushes JSON to it (Asterisk's ARI events,
 * signal-cli-rest-api's receive socket), kept open: on any close or error it reconnects after a
 * delay that doubles from `minDelayMs` (default 500) up to `maxDelayMs` (default 30 s), and
 * starts again from the minimum once a connection has opened. Each text frame is parsed as JSON
 * and handed to `onFrame`; binary frames are ignored and unparsable ones go to `onUnparsable`.
 */
interface ReconnectingSocketOptions {
  /** Read at each connection (it may carry credentials: never logged here). */
  url: () => string;
  onFrame: (frame: unknown) => void;
  onUnparsable?: () => void;
  onOpen?: () => void;
  /** After each close; `stopped` tells a close we asked for from a lost connection. */
  onClose?: (code: number, stopped: boolean) => void;
  minDelayMs?: number;
  maxDelayMs?: number;
}

export class ReconnectingSocket {
  private socket: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private stopped = false;
  state: 'connecting' | 'open' | 'closed' = 'closed';

  constructor(private readonly options: ReconnectingSocketOptions) {
    this.delay = options.minDelayMs ?? 500;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    const socket = new WebSocket(this.options.url());
    this.socket = socket;
    socket.on('open', () => {
      this.delay = this.options.minDelayMs ?? 500;
      this.state = 'open';
      this.options.onOpen?.();
    });
    socket.on('message', (data, isBinary) => {
      // Stopped, or replaced by a newer connection: the service sends on until it sees our close,
      // and what it sends now belongs to a connection the owner has let go (a server shutting down,
      // an account replaced); acting on it would act twice, or for a server that is gone.
      if (isBinary || this.socket !== socket) return;
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        this.options.onUnparsable?.();
        return;
      }
      this.options.onFrame(frame);
    });
    // 'error' is always followed by 'close'; reconnecting happens there, once.
    socket.on('error', () => {});
    socket.on('close', (code) => {
      if (this.socket === socket) this.socket = null;
      this.state = 'closed';
      this.options.onClose?.(code, this.stopped);
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

  /** Stops reconnecting and closes the socket. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.close();
    this.socket = null;
    this.state = 'closed';
  }
}
