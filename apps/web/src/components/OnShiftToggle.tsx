import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { loadMe, type Me } from '../app/session.js';
import { setOnBreak } from '../lib/calls/api.js';
import { askWhenTakingCalls } from '../lib/calls/notify.js';
import { breakStateKey, breakSwitchHelpKey, shiftStatusKey } from '../lib/calls/status-lines.js';
import { useCalls } from '../lib/calls/store.js';
import { queries } from '../lib/queries/index.js';
import { ErrorMessage } from './ErrorMessage.js';
import { NotificationOffer } from './NotificationOffer.js';
import { useSubmit } from './useSubmit.js';

/**
 * "On shift now" and the on-break switch: a member on a break is sent no calls. Every line
 * follows the state (on a break, the help says how to come back), and turning calls on is the
 * moment to ask for call notifications (see lib/calls/notify.ts).
 */
export function OnShiftToggle({ me }: { me: Me }) {
  const { t } = useTranslation();
  // Re-read on every shift:changed event (lib/queries/live.ts); shifts also start and end by
  // the clock, with no event, so look again every minute.
  const onShift = useQuery({ ...queries.onShiftNow(), refetchInterval: 60_000 });
  const available = !me.onBreak;
  const onCall = useCalls().active !== null;
  const toggle = useSubmit(async () => {
    await setOnBreak(available);
    await loadMe();
  });

  return (
    <section className="panel on-shift" aria-labelledby="on-shift-title">
      <h2 id="on-shift-title">{t('calls.shiftStatus')}</h2>
      <p data-testid="on-shift-now" data-on-shift={onShift.data?.includesMe ? 'yes' : 'no'}>
        {t(shiftStatusKey(onShift.data, me.onBreak, onCall) ?? 'app.loading')}
      </p>
      <ErrorMessage error={onShift.error} />
      <div className="switch-row">
        <button
          type="button"
          role="switch"
          aria-checked={available}
          aria-describedby="on-break-help"
          className={`switch ${available ? 'on' : 'off'}`}
          disabled={toggle.busy}
          onClick={() => {
            // Asked within the click itself: browsers show the prompt only for a gesture.
            if (!available) void askWhenTakingCalls();
            void toggle.run();
          }}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
          {t('calls.takingCalls')}
        </button>
        <span className="switch-state" data-testid="break-state">
          {t(breakStateKey(me.onBreak, onCall))}
        </span>
      </div>
      <p id="on-break-help" className="hint">
        {t(breakSwitchHelpKey(me.onBreak))}
      </p>
      <ErrorMessage error={toggle.error} />
      <NotificationOffer onShift={onShift.data?.includesMe} />
    </section>
  );
}
