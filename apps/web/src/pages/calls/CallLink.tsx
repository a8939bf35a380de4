import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { can, useMe } from '../../app/session.js';
import { formatDateTime } from '../../components/format.js';
import { NavLink } from '../../components/NavLink.js';
import { queries } from '../../lib/queries/index.js';

/** Call ids are UUIDs; a note may name another id (one typed in), which has no call page. */
const CALL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * "Call of <date>", the way from a note to the call it is linked to. Only a member who may open
 * that call gets the link (an admin, or the volunteer who answered it: the server says); anyone
 * else sees the call's id, as before.
 */
export function CallLink({ callId }: { callId: string }) {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const detail = useQuery({
    ...queries.callDetail(callId),
    enabled: can(me, 'calls:read') && CALL_ID.test(callId),
    retry: false,
  });
  if (!detail.data) return <span className="ltr-cell">{callId}</span>;
  return (
    <NavLink href={`/calls/${callId}`}>
      {t('calls.detail.callOf', { date: formatDateTime(detail.data.call.createdAt, i18n.language) })}
    </NavLink>
  );
}
