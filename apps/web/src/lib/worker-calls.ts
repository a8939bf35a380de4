/// <reference lib="webworker" />

/**
 * The worker side of lib/key-workers.ts: each numbered call is answered under its number, with
 * the handler's reply or, if it threw, `ok: false` and the error's message (never its stack).
 */
export function answerCalls<Request extends { id: number }, Reply extends { ok: true }>(
  handle: (request: Request) => Reply,
): void {
  self.onmessage = (event: MessageEvent<Request>) => {
    let response: { id: number } & (Reply | { ok: false; message: string });
    try {
      response = { id: event.data.id, ...handle(event.data) };
    } catch (error) {
      response = {
        id: event.data.id,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    (self as unknown as Worker).postMessage(response);
  };
}
