import { useTranslation } from 'react-i18next';

/**
 * "In service" switch of a connected channel. Off, the channel keeps its credentials but its
 * webhooks answer 404 (as a channel with nothing stored) and replies through it are refused;
 * the hint under the switch says so, for the state it is in.
 */
export function ChannelServiceSwitch({
  channel,
  name,
  disabled,
  busy,
  writable,
  onChange,
}: {
  channel: string;
  /** The channel's product name, for the switch's accessible name. */
  name: string;
  /** The stored flag: true when an admin took the channel out of service. */
  disabled: boolean;
  busy: boolean;
  writable: boolean;
  onChange: (disabled: boolean) => void;
}) {
  const { t } = useTranslation();
  const inService = !disabled;
  const helpId = `chan-${channel}-service-help`;
  return (
    <div className="switch-row" data-testid={`channel-service-${channel}`}>
      <button
        type="button"
        role="switch"
        aria-checked={inService}
        aria-label={t('channels.inServiceFor', { name })}
        aria-describedby={helpId}
        className={`switch ${inService ? 'on' : 'off'}`}
        disabled={busy || !writable}
        onClick={() => onChange(inService)}
      >
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        {t('channels.inService')}
      </button>
      <p id={helpId} className="hint">
        {inService ? t('channels.inServiceHelp') : t('channels.disabledHelp')}
      </p>
    </div>
  );
}
