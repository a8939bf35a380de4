import { useEffect } from 'react';
import type { Me } from '../../app/session.js';
import { ActiveCall } from '../../components/ActiveCall.js';
import { IncomingCallCards } from '../../components/IncomingCallCard.js';
import { ProviderPhoneNotice } from '../../components/ProviderPhoneStatus.js';
import { TrainingCallerCard } from '../../components/TrainingCallerCard.js';
import { followHandOvers } from '../../lib/calls/hand-over.js';
import { startCalls } from '../../lib/calls/store.js';
import { followCallAudio } from '../../lib/calls/webrtc.js';
import { HandOverOffer } from './HandOverOffer.js';

/** On every screen of an unlocked member: calls ringing for them and the call they are on. */
export function CallDock({ me }: { me: Me }) {
  const memberId = me.id;
  const latest = me;
  // biome-ignore lint/correctness/useExhaustiveDependencies: follow calls once per member, not per profile reload
  useEffect(() => startCalls(latest), [memberId]);
  // Real audio for the call answered in this browser (simulated carrier), for as long as it lasts.
  useEffect(() => followCallAudio(), []);
  // A colleague handing this member a call through the provider's browser phone (hand-over.ts).
  const pubkey = me.pubkey;
  useEffect(() => followHandOvers(pubkey), [pubkey]);
  return (
    <div className="call-dock">
      <ProviderPhoneNotice />
      <IncomingCallCards />
      <HandOverOffer />
      <ActiveCall me={me} />
      <TrainingCallerCard />
    </div>
  );
}
