import { useTranslation } from 'react-i18next';
import { useNetworkQuality } from '../lib/calls/network-quality.js';

/**
 * Network quality on the active-call card: three levels with words (colour is never the only
 * sign), read from the connection's statistics every few seconds (lib/calls/network-quality.ts).
 */
export function CallNetworkQuality({ pc }: { pc: Pick<RTCPeerConnection, 'getStats'> | null }) {
  const { t } = useTranslation();
  const quality = useNetworkQuality(pc);
  if (!quality) return null;
  return (
    <p className={`network-quality network-${quality}`} data-testid="network-quality" data-quality={quality}>
      <span aria-hidden="true" className="network-bars">
        {quality === 'good' ? '▮▮▮' : quality === 'fair' ? '▮▮▯' : '▮▯▯'}
      </span>{' '}
      {t(`calls.audio.network.${quality}`)}
    </p>
  );
}
