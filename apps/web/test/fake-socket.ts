/** A stand-in for the browser's WebSocket: the test plays the relay, frame by frame. */
export class FakeSocket {
  readyState = 0;
  sent: unknown[][] = [];
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  send(text: string) {
    this.sent.push(JSON.parse(text) as unknown[]);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(message: unknown[]) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  /** The relay goes away. */
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
  last(type: string) {
    return [...this.sent].reverse().find((m) => m[0] === type);
  }
}
