/** Where progress goes: process.stderr, or a test's collector. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

interface Progress {
  /** `n` more rows are done. */
  advance(n: number): void;
  /** Clears the bar and prints the one summary line that is always shown. */
  finish(summary: string): void;
}

const WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A rows-done / total bar on a terminal, redrawn at most ten times a second. When the
 * stream is not a terminal (a log file, a pipe, CI) only the final summary line appears,
 * so logs are not filled with carriage returns.
 */
export function createProgress(label: string, total: number, stream: ProgressStream): Progress {
  const tty = Boolean(stream.isTTY);
  let done = 0;
  let drawnAt = 0;
  const draw = () => {
    const fraction = total ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * WIDTH);
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} rows ${Math.floor(fraction * 100)}%`,
    );
  };
  return {
    advance(n) {
      done += n;
      if (!tty) return;
      const now = Date.now();
      if (now - drawnAt >= REDRAW_MS || done >= total) {
        drawnAt = now;
        draw();
      }
    },
    finish(summary) {
      if (tty) stream.write('\r\x1b[2K');
      stream.write(`${summary}\n`);
    },
  };
}
