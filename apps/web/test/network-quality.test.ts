/**
 * Network quality on the active-call card: the worst of round-trip time, jitter and loss decides
 * between good, fair and poor at the documented limits, and a getStats() report is read into one
 * sample (the selected pair's round trip, the received audio's jitter, loss since the last reading).
 */
import { describe, expect, it } from 'vitest';
import { QUALITY_LIMITS, qualityOf, sampleOf } from '../src/lib/calls/network-quality.js';

const ok = { roundTripSeconds: 0.05, jitterSeconds: 0.005, lossRatio: 0 };

describe('network quality thresholds', () => {
  it('is good within every good limit, including on the limits themselves', () => {
    expect(qualityOf(ok)).toBe('good');
    expect(qualityOf({ ...QUALITY_LIMITS.good })).toBe('good');
    expect(qualityOf({ roundTripSeconds: null, jitterSeconds: null, lossRatio: null })).toBe('good');
  });

  it('is fair when one measure passes a good limit but none the fair one', () => {
    expect(qualityOf({ ...ok, roundTripSeconds: 0.31 })).toBe('fair');
    expect(qualityOf({ ...ok, jitterSeconds: 0.031 })).toBe('fair');
    expect(qualityOf({ ...ok, lossRatio: 0.02 })).toBe('fair');
    expect(qualityOf({ ...QUALITY_LIMITS.fair })).toBe('fair');
  });

  it('is poor when any measure passes its fair limit', () => {
    expect(qualityOf({ ...ok, roundTripSeconds: 0.61 })).toBe('poor');
    expect(qualityOf({ ...ok, jitterSeconds: 0.07 })).toBe('poor');
    expect(qualityOf({ ...ok, lossRatio: 0.051 })).toBe('poor');
  });
});

describe('reading a statistics report', () => {
  const report = (received: number, lost: number) => [
    { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.12 },
    { type: 'candidate-pair', state: 'failed', nominated: false, currentRoundTripTime: 9 },
    { type: 'inbound-rtp', kind: 'audio', jitter: 0.012, packetsReceived: received, packetsLost: lost },
    { type: 'outbound-rtp', kind: 'audio' },
  ];

  it('takes the selected pair, the jitter, and the loss since the previous reading', () => {
    const first = sampleOf(report(100, 0), null);
    expect(first.sample).toEqual({ roundTripSeconds: 0.12, jitterSeconds: 0.012, lossRatio: 0 });
    const second = sampleOf(report(190, 10), first.counts);
    expect(second.sample.lossRatio).toBeCloseTo(0.1);
    expect(qualityOf(second.sample)).toBe('poor');
    // Nothing new (on hold): loss unknown, not zero and not a total.
    expect(sampleOf(report(190, 10), second.counts).sample.lossRatio).toBeNull();
  });

  it('falls back to the remote receiver report for the round trip', () => {
    const { sample } = sampleOf([{ type: 'remote-inbound-rtp', roundTripTime: 0.4 }], null);
    expect(sample).toEqual({ roundTripSeconds: 0.4, jitterSeconds: null, lossRatio: null });
    expect(qualityOf(sample)).toBe('fair');
  });
});
