import type { ConversationView } from '@llamenos/protocol';
import type { TFunction } from 'i18next';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { lastDigits } from '../../components/format.js';

/** "SMS · …4567": the kind of channel and the last four digits (never more of the number). */
export function contactLabel(c: Pick<ConversationView, 'kind' | 'contactLast4'>, t: TFunction): string {
  return `${t(`conversations.kind.${c.kind}`)} · ${lastDigits(c.contactLast4, t('conversations.contactHidden'))}`;
}

/** Whole minutes since `iso`, re-rendered every 20 seconds while shown. */
export function useMinutesSince(iso: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!iso) return;
    const timer = setInterval(() => setNow(Date.now()), 20_000);
    return () => clearInterval(timer);
  }, [iso]);
  if (!iso) return null;
  const at = new Date(iso).getTime();
  return Number.isNaN(at) ? null : Math.max(0, Math.floor((now - at) / 60_000));
}

/** How long a conversation has waited for a volunteer; nothing once someone has it. */
export function WaitingTime({ since }: { since: string | null }) {
  const { t } = useTranslation();
  const minutes = useMinutesSince(since);
  if (minutes === null) return null;
  return (
    <span className="badge status-pending" data-testid="waiting-time">
      {t('conversations.waitingFor', { count: minutes })}
    </span>
  );
}
