// The time-zone arithmetic is shared with the web client: packages/protocol/src/zoned-time.ts.
export * from '@llamenos/protocol/zoned-time';
