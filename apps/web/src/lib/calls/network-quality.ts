import { useEffect, useState } from 'react';

/**
 * The network quality of a call answered in the browser, shown on the active-call card so a
 * volunteer whose caller keeps breaking up knows it is the connection, not the caller. Read from
 * the peer connection's own statistics (RTCPeerConnection.getStats) every few seconds: round-trip
 * time, jitter of the caller's audio, and the share of its packets lost since the last reading.
 * Nothing of it leaves the device.
 */

export type NetworkQuality = 'good' | 'fair' | 'poor';

export interface NetworkSample {
  /** Seconds, from the selected candidate pair (or the caller's receiver report); null when unknown. */
  roundTripSeconds: number | null;
  /** Seconds, of the audio received. */
  jitterSeconds: number | null;
  /** 0–1, of the packets expected since the previous reading. */
  lossRatio: number | null;
}

/**
 * Limits of a conversation that still sounds natural: ITU-T G.114 puts one-way delay under
 * 150 ms as good (a round trip of 300 ms); jitter beyond 30 ms outgrows a jitter buffer's usual
 * margin; Opus hides about 1 % of lost packets and stays intelligible to about 5 %.
 */
type Limits = { roundTripSeconds: number; jitterSeconds: number; lossRatio: number };
export const QUALITY_LIMITS: { good: Limits; fair: Limits } = {
  good: { roundTripSeconds: 0.3, jitterSeconds: 0.03, lossRatio: 0.01 },
  fair: { roundTripSeconds: 0.6, jitterSeconds: 0.06, lossRatio: 0.05 },
};

/** The worst of the three measures decides; an unknown measure does not count against the call. */
export function qualityOf(sample: NetworkSample): NetworkQuality {
  const within = (limits: Limits) =>
    (sample.roundTripSeconds ?? 0) <= limits.roundTripSeconds &&
    (sample.jitterSeconds ?? 0) <= limits.jitterSeconds &&
    (sample.lossRatio ?? 0) <= limits.lossRatio;
  if (within(QUALITY_LIMITS.good)) return 'good';
  if (within(QUALITY_LIMITS.fair)) return 'fair';
  return 'poor';
}

/** Received and lost packet counts of the previous reading, to make the loss a rate, not a total. */
export interface PacketCounts {
  received: number;
  lost: number;
}

interface StatsEntry {
  type: string;
  kind?: string;
  state?: string;
  nominated?: boolean;
  currentRoundTripTime?: number;
  roundTripTime?: number;
  jitter?: number;
  packetsReceived?: number;
  packetsLost?: number;
}

/** One reading from a getStats() report; `previous` is the last reading's packet counts. */
export function sampleOf(
  report: Iterable<StatsEntry>,
  previous: PacketCounts | null,
): { sample: NetworkSample; counts: PacketCounts | null } {
  let pairRtt: number | null = null;
  let remoteRtt: number | null = null;
  let jitter: number | null = null;
  let received = 0;
  let lost = 0;
  let counted = false;
  for (const s of report) {
    if (
      s.type === 'candidate-pair' &&
      s.state === 'succeeded' &&
      s.nominated &&
      s.currentRoundTripTime !== undefined
    )
      pairRtt = s.currentRoundTripTime;
    else if (s.type === 'remote-inbound-rtp' && s.roundTripTime !== undefined) remoteRtt = s.roundTripTime;
    else if (s.type === 'inbound-rtp' && (s.kind ?? 'audio') === 'audio') {
      if (s.jitter !== undefined) jitter = Math.max(jitter ?? 0, s.jitter);
      if (s.packetsReceived !== undefined) {
        counted = true;
        received += s.packetsReceived;
        lost += Math.max(0, s.packetsLost ?? 0);
      }
    }
  }
  const counts = counted ? { received, lost } : null;
  let lossRatio: number | null = null;
  if (counts) {
    const newReceived = counts.received - (previous?.received ?? 0);
    const newLost = counts.lost - (previous?.lost ?? 0);
    // A reading with nothing new (on hold, muted) says nothing about loss.
    if (newReceived + newLost > 0 && newReceived >= 0 && newLost >= 0)
      lossRatio = newLost / (newReceived + newLost);
  }
  return { sample: { roundTripSeconds: pairRtt ?? remoteRtt, jitterSeconds: jitter, lossRatio }, counts };
}

/** How often the card's indicator is read again. */
export const QUALITY_INTERVAL_MS = 3_000;

/**
 * The quality of `pc`, read every few seconds; null until the first reading (or with no
 * connection). Anything with getStats() will do (a provider SDK's own samples, provider-phone).
 */
export function useNetworkQuality(pc: Pick<RTCPeerConnection, 'getStats'> | null): NetworkQuality | null {
  const [quality, setQuality] = useState<NetworkQuality | null>(null);
  useEffect(() => {
    setQuality(null);
    if (!pc) return;
    let previous: PacketCounts | null = null;
    let stopped = false;
    const read = async () => {
      try {
        const report = await pc.getStats();
        if (stopped) return;
        const { sample, counts } = sampleOf(report.values() as Iterable<StatsEntry>, previous);
        previous = counts;
        setQuality(qualityOf(sample));
      } catch {
        // A closed connection has no statistics; the card is about to close too.
      }
    };
    void read();
    const timer = setInterval(() => void read(), QUALITY_INTERVAL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [pc]);
  return quality;
}
