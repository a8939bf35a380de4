import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchTransferTargets, sendCallTransfer } from '../lib/api/webrtc.js';
import {
  askColleague,
  backToCaller,
  handOver,
  type OutgoingConsult,
  useWarmTransfer,
} from '../lib/calls/warm-transfer.js';
import { NamedOptions } from './NamedOptions.js';
import { ActionButton } from './SubmitButton.js';
import { TransferError } from './TransferError.js';
import { type Submit, useSubmit } from './useSubmit.js';

type TransferTarget = Awaited<ReturnType<typeof fetchTransferTargets>>['targets'][number];
/** One runner for every step of the card: one busy state, the last refusal shown. */
type Step = Submit<[step: () => Promise<unknown>]>;

/**
 * Transfer on the active-call card: the member picks a colleague on shift who is free and
 * answers in the browser (names only, as the server lists them; an option holds text only, so a
 * name's direction is isolated with dir="auto"), and either hands the caller over at once (cold)
 * or talks to the colleague first with the caller on hold (warm: lib/calls/warm-transfer.ts),
 * then hands over or goes back to the caller. Once handed over the card closes (the server tells
 * this browser the call is someone else's now).
 */
export function CallTransfer({ callId, warm: offersWarm = true }: { callId: string; warm?: boolean }) {
  const { t } = useTranslation();
  const [targets, setTargets] = useState<TransferTarget[] | null>(null);
  const step: Step = useSubmit((run: () => Promise<unknown>) => run());
  const warm = useWarmTransfer().outgoing;

  if (warm?.callId === callId) return <WarmConsult warm={warm} step={step} />;
  if (!targets)
    return (
      <>
        <ActionButton
          busy={step.busy}
          className="secondary"
          onClick={() => step.run(async () => setTargets((await fetchTransferTargets(callId)).targets))}
        >
          {t('calls.audio.transfer')}
        </ActionButton>
        <TransferError error={step.error} />
      </>
    );
  return (
    <TransferPicker
      callId={callId}
      targets={targets}
      step={step}
      warm={offersWarm}
      onCancel={() => setTargets(null)}
    />
  );
}

/** The colleague list with cold and warm transfer; the first colleague is chosen at first. */
function TransferPicker({
  callId,
  targets,
  step,
  warm,
  onCancel,
}: {
  callId: string;
  targets: TransferTarget[];
  step: Step;
  /** Whether "Talk first" is offered (not on provider calls, whose consult is not built yet). */
  warm: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [to, setTo] = useState(targets[0]?.id ?? '');
  // Once the server took the transfer the card waits, busy, for the call to leave this browser.
  const [handedOver, setHandedOver] = useState(false);
  const busy = step.busy || handedOver;
  const toName = targets.find((m) => m.id === to)?.displayName ?? '';
  return (
    <div className="call-transfer">
      {targets.length === 0 ? (
        <p className="hint">{t('calls.audio.noTransferTargets')}</p>
      ) : (
        <>
          <label htmlFor="transfer-to">{t('calls.audio.transferTo')}</label>
          <select id="transfer-to" value={to} onChange={(e) => setTo(e.target.value)}>
            <NamedOptions options={targets.map((m) => ({ value: m.id, label: m.displayName }))} />
          </select>
        </>
      )}
      <div className="button-row">
        {targets.length > 0 && (
          <button
            type="button"
            disabled={busy || !to}
            onClick={() =>
              void step.run(async () => {
                await sendCallTransfer(callId, to);
                setHandedOver(true);
              })
            }
          >
            {busy ? t('calls.audio.transferring') : t('calls.audio.transferConfirm')}
          </button>
        )}
        {warm && targets.length > 0 && (
          <button
            type="button"
            className="secondary"
            disabled={busy || !to}
            onClick={() => void step.run(() => askColleague(callId, to, toName))}
          >
            {t('calls.warm.start')}
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>
          {t('calls.audio.transferCancel')}
        </button>
      </div>
      <TransferError error={step.error} />
    </div>
  );
}

/** A warm transfer under way: waiting for the colleague, talking to them, or declined. */
function WarmConsult({ warm, step }: { warm: OutgoingConsult; step: Step }) {
  const { t } = useTranslation();
  return (
    <div className="call-transfer" data-testid="warm-transfer" data-state={warm.state}>
      <p aria-live="polite">
        <bdi>{warm.toName}</bdi>
        {': '}
        {t(`calls.warm.${warm.state === 'asking' ? 'waiting' : warm.state}`)}
      </p>
      <div className="button-row">
        {warm.state === 'talking' && (
          <ActionButton busy={step.busy} onClick={() => step.run(handOver)}>
            {t('calls.warm.handOver')}
          </ActionButton>
        )}
        <ActionButton busy={step.busy} className="secondary" onClick={() => step.run(backToCaller)}>
          {t('calls.warm.backToCaller')}
        </ActionButton>
      </div>
      <TransferError error={step.error} />
    </div>
  );
}
