/**
 * What the adapter waits for between ARI events: prompts still playing, and "press 1" digit
 * gathers whose timeout starts only once their prompt has finished (a caller cannot be
 * expected to answer a question they have not yet heard in full).
 */
export class PromptWaits {
  private readonly playbackWaiters = new Map<string, () => void>();
  private readonly gathers = new Map<
    string,
    { playbackId: string | null; timeoutSeconds: number; timer?: NodeJS.Timeout }
  >();

  /** `onGatherTimeout(channelId)` is called when a gather ran out without a digit. */
  constructor(
    private readonly onGatherTimeout: (channelId: string) => void,
    private readonly playbackWaitMs: number,
  ) {}

  /** Resolves when the playback ends, or after the longest wait for one. */
  playbackEnded(playbackId: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.playbackWaiters.delete(playbackId);
        resolve();
      }, this.playbackWaitMs);
      timer.unref();
      this.playbackWaiters.set(playbackId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Waits for one digit on the channel; the timeout starts when `playbackId` (if any) finishes. */
  awaitDigit(channelId: string, playbackId: string | null, timeoutSeconds: number): void {
    this.endGather(channelId);
    this.gathers.set(channelId, { playbackId, timeoutSeconds });
    if (!playbackId) this.startGatherTimer(channelId);
  }

  /** A PlaybackFinished event: wakes its waiter and starts the gathers that waited for it. */
  playbackFinished(playbackId: string): void {
    this.playbackWaiters.get(playbackId)?.();
    this.playbackWaiters.delete(playbackId);
    for (const [channelId, gather] of this.gathers)
      if (gather.playbackId === playbackId) this.startGatherTimer(channelId);
  }

  /** Ends the channel's gather (a digit came, or the channel is gone) and returns what it was. */
  endGather(channelId: string): { playbackId: string | null } | undefined {
    const gather = this.gathers.get(channelId);
    if (gather?.timer) clearTimeout(gather.timer);
    this.gathers.delete(channelId);
    return gather;
  }

  private startGatherTimer(channelId: string): void {
    const gather = this.gathers.get(channelId);
    if (!gather || gather.timer) return;
    gather.timer = setTimeout(() => {
      this.gathers.delete(channelId);
      this.onGatherTimeout(channelId);
    }, gather.timeoutSeconds * 1000);
    gather.timer.unref();
  }
}
