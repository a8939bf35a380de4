/**
 * An upload's progress as the page shows it: bytes of the file sent (acknowledged by the
 * server), percent, speed as a moving average over the last few seconds, and time left.
 */

export type UploadPhase = 'preparing' | 'uploading' | 'retrying' | 'complete' | 'failed' | 'cancelled';

/** Why an upload stopped, as a code the page translates (never a raw server message alone). */
export type UploadErrorKind =
  | 'too-large'
  | 'store-full'
  | 'other-file'
  | 'locked'
  | 'gone'
  | 'refused'
  /** The server could not be reached (or did not answer) through every retry. */
  | 'network'
  | 'failed';

export interface UploadProgress {
  phase: UploadPhase;
  /** Bytes of the file the server has acknowledged. */
  sentBytes: number;
  totalBytes: number;
  /** 0–100, whole numbers. */
  percent: number;
  /** Bytes per second over the last few seconds; null until measured. */
  bytesPerSecond: number | null;
  /** Seconds until done at that speed; null when unknown. */
  secondsLeft: number | null;
  error: { kind: UploadErrorKind; message: string } | null;
}

/** Samples older than this leave the moving average. */
const WINDOW_MS = 5000;

/** Speed over a sliding window of (time, bytes) samples. */
export class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];

  add(bytes: number, at: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
  }

  /** Bytes per second, or null with fewer than two samples or no time between them. */
  speed(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  reset(): void {
    this.samples = [];
  }
}

/** A progress value with its listeners (the shape useSyncExternalStore wants). */
export class ProgressStore {
  private value: UploadProgress;
  private readonly listeners = new Set<(p: UploadProgress) => void>();

  constructor(totalBytes: number) {
    this.value = {
      phase: 'preparing',
      sentBytes: 0,
      totalBytes,
      percent: 0,
      bytesPerSecond: null,
      secondsLeft: null,
      error: null,
    };
  }

  readonly current = (): UploadProgress => this.value;

  readonly subscribe = (listener: (p: UploadProgress) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  set(change: Partial<UploadProgress>): void {
    this.value = { ...this.value, ...change };
    for (const listener of this.listeners) listener(this.value);
  }
}
