import type { GrantStatus, Permission, UserView } from '@llamenos/protocol';
import { type QueryKey, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { can, type Me } from '../app/session.js';
import { queries } from '../lib/queries/index.js';
import { ErrorMessage } from './ErrorMessage.js';
import { MemberOptions } from './MemberOptions.js';
import { activeMembersWho } from './SealedPages.js';
import { userTextIn } from './UserText.js';
import { useSubmit } from './useSubmit.js';

/**
 * Sharing the keys of existing sealed records (notes and transcripts, reports) with a new
 * reader, from this browser: the records' keys are re-wrapped in the workers a batch at a time
 * and posted, so the server never holds a key it could unwrap. A run can be paused between
 * batches and resumed later, even after a reload (the reader's public key is remembered).
 */

/** What a run reports as it goes. */
export interface GrantSteps {
  /** `n` more record keys are with the reader. */
  shared: (n: number) => void;
  /** `n` records could not be opened with this member's key. */
  skipped: (n: number) => void;
  /** The member asked to pause: stop after this batch. */
  paused: () => boolean;
}

function useResumableGrant({
  pendingKey,
  statusKey,
  shareAll,
  finalStatus,
}: {
  /** Where an unfinished grant's reader (a public key only) is remembered on this device. */
  pendingKey: string;
  /** The status query moved on as batches are posted (the progress bar reads it). */
  statusKey: (reader: string) => QueryKey;
  shareAll: (reader: string, steps: GrantSteps) => Promise<void>;
  finalStatus: (reader: string) => Promise<GrantStatus>;
}) {
  const queryClient = useQueryClient();
  const [skipped, setSkipped] = useState(0);
  const paused = useRef(false);
  const [pausing, setPausing] = useState(false);
  const grant = useSubmit(async (reader: string) => {
    const setStatus = (update: (s: GrantStatus | undefined) => GrantStatus | undefined) =>
      queryClient.setQueryData<GrantStatus>(statusKey(reader), update);
    setSkipped(0);
    paused.current = false;
    setPausing(false);
    localStorage.setItem(pendingKey, reader);
    try {
      await shareAll(reader, {
        shared: (n) => setStatus((s) => (s ? { ...s, done: Math.min(s.total, s.done + n) } : s)),
        skipped: (n) => setSkipped((m) => m + n),
        paused: () => paused.current,
      });
      const final = await finalStatus(reader);
      setStatus(() => final);
      if (final.done + final.unavailableToCaller >= final.total) localStorage.removeItem(pendingKey);
    } finally {
      setPausing(false);
    }
  });

  const pause = () => {
    paused.current = true;
    setPausing(true);
  };
  return { grant, skipped, pausing, pause };
}

/**
 * A grant to one chosen reader among `candidates`: whom (the reader of an unfinished grant is
 * remembered on this device, and chosen again after a reload), how far it is (the status query,
 * moved on as batches are posted) and the resumable run.
 */
function useGrantTo({
  pendingKey,
  candidates,
  statusKey,
  fetchStatus,
  shareAll,
}: {
  pendingKey: string;
  candidates: UserView[];
  statusKey: (reader: string) => QueryKey;
  fetchStatus: (reader: string) => Promise<GrantStatus>;
  shareAll: (reader: string, steps: GrantSteps) => Promise<void>;
}) {
  const [reader, setReader] = useState<string>(() => localStorage.getItem(pendingKey) ?? '');
  const chosen = candidates.find((c) => c.pubkey === reader) ?? null;
  const status = useQuery({
    queryKey: statusKey(chosen?.pubkey ?? ''),
    queryFn: () => fetchStatus(chosen?.pubkey ?? ''),
    enabled: !!chosen,
  });
  const run = useResumableGrant({ pendingKey, statusKey, shareAll, finalStatus: fetchStatus });
  return { reader: chosen ? reader : '', setReader, chosen, status, run };
}

type GrantTo = ReturnType<typeof useGrantTo>;

/** The choice of whom to grant to (disabled while a run is going). */
function GrantReaderPicker({
  id,
  caption,
  none,
  candidates,
  grant: { reader, setReader, run },
}: {
  id: string;
  caption: string;
  /** The empty choice's words. */
  none: string;
  candidates: UserView[];
  grant: GrantTo;
}) {
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      <select
        id={id}
        value={reader}
        disabled={run.grant.busy}
        onChange={(e) => {
          run.grant.setError(null);
          setReader(e.target.value);
        }}
      >
        <MemberOptions none={none} members={candidates} />
      </select>
    </div>
  );
}

/**
 * A records kind's translation keys for a grant: whom to choose (`who`, the empty choice `none`,
 * and `noCandidates` when nobody else reads every record); its progress: `progress` takes done,
 * total and percent; `unavailable` and `skipped` a count; `complete` (said once the reader has
 * every key this member can give) the reader's name.
 */
export interface GrantWordKeys {
  who: string;
  none: string;
  noCandidates: string;
  progress: string;
  working: string;
  pausing: string;
  unavailable: string;
  skipped: string;
  complete: string;
  start: string;
  pause: string;
  resume: string;
}

/** How a page shows a grant's progress. */
export interface GrantProgressLook {
  /** The status line's test id. */
  testId: string;
  /**
   * The progress bar's name: a visible caption (with the bar's id; `label` is a translation key
   * that takes the reader's name), or only its accessible name.
   */
  bar: { id: string; label: string } | { name: string };
  className?: string;
}

/**
 * How far the grant to the chosen reader is, and the button that starts, resumes or pauses it;
 * then why the status could not be read or the run stopped.
 */
function GrantProgress({
  grant: { chosen: reader, status: statusQuery, run },
  keys,
  look: { testId, bar, className },
}: {
  grant: GrantTo;
  keys: GrantWordKeys;
  look: GrantProgressLook;
}) {
  const { t } = useTranslation();
  const error = <ErrorMessage error={(reader && statusQuery.error) || run.grant.error} />;
  const status = statusQuery.data;
  if (!reader || !status) return error;
  const running = run.grant.busy;
  const complete = status.done + status.unavailableToCaller >= status.total;
  const percent = status.total > 0 ? Math.floor((status.done / status.total) * 100) : 100;
  const max = status.total || 1;
  const value = status.total ? status.done : 1;
  return (
    <>
      <div className={className}>
        {'id' in bar ? (
          <>
            <label htmlFor={bar.id}>{userTextIn(t, bar.label, { name: reader.displayName })}</label>
            <progress id={bar.id} max={max} value={value} />
          </>
        ) : (
          <progress aria-label={bar.name} max={max} value={value} />
        )}
        <p role="status" data-testid={testId} data-percent={percent}>
          {t(keys.progress, { done: status.done, total: status.total, percent })}
          {running && ` ${run.pausing ? t(keys.pausing) : t(keys.working)}`}
        </p>
        {status.unavailableToCaller > 0 && (
          <p className="notice">{t(keys.unavailable, { count: status.unavailableToCaller })}</p>
        )}
        {run.skipped > 0 && (
          <p role="alert" className="error">
            {t(keys.skipped, { count: run.skipped })}
          </p>
        )}
        {complete ? (
          <p className="success">{userTextIn(t, keys.complete, { name: reader.displayName })}</p>
        ) : (
          <div className="button-row">
            {running ? (
              <button type="button" className="secondary" disabled={run.pausing} onClick={run.pause}>
                {t(keys.pause)}
              </button>
            ) : (
              <button type="button" onClick={() => void run.grant.run(reader.pubkey)}>
                {status.done > 0 ? t(keys.resume) : t(keys.start)}
              </button>
            )}
          </div>
        )}
      </div>
      {error}
    </>
  );
}

/** What one records kind (notes, reports) brings to a grant: who may receive it, how it is shared, its words. */
export interface GrantKind {
  /** The permission that makes a member a reader of every record of this kind. */
  readAll: Permission;
  /** Where an unfinished grant's reader is remembered on this device. */
  pendingKey: string;
  statusKey: (reader: string) => QueryKey;
  fetchStatus: (reader: string) => Promise<GrantStatus>;
  shareAll: (reader: string, steps: GrantSteps) => Promise<void>;
  keys: GrantWordKeys;
}

/**
 * A grant of one records kind to a new reader: the active members other than me whose roles
 * read every record of the kind (listed only for a member who may list members and roles), the
 * choice among them, and the run's progress.
 */
export function GrantToReader({
  me,
  kind,
  pickerId,
  look,
}: {
  me: Me;
  kind: GrantKind;
  pickerId: string;
  look: GrantProgressLook;
}) {
  const { t } = useTranslation();
  const listable = can(me, 'users:read') && can(me, 'roles:read');
  const users = useQuery({ ...queries.users(), enabled: listable });
  const roles = useQuery({ ...queries.roles(), enabled: listable });
  const loaded = users.data !== undefined && roles.data !== undefined;
  const candidates =
    users.data && roles.data
      ? activeMembersWho(users.data, roles.data, kind.readAll).filter((u) => u.pubkey !== me.pubkey)
      : [];
  const grant = useGrantTo({ ...kind, candidates });
  const peopleError = users.error ?? roles.error;
  return (
    <>
      <ErrorMessage error={peopleError} />
      {listable && !loaded && !peopleError && <p aria-busy="true">{t('app.loading')}</p>}
      {loaded && candidates.length === 0 && <p>{t(kind.keys.noCandidates)}</p>}
      {candidates.length > 0 && (
        <GrantReaderPicker
          id={pickerId}
          caption={t(kind.keys.who)}
          none={t(kind.keys.none)}
          candidates={candidates}
          grant={grant}
        />
      )}
      <GrantProgress grant={grant} keys={kind.keys} look={look} />
    </>
  );
}
