import { getPublicKeyBytes, keyIdOf, toHex } from '@llamenos/crypto';
import type { JoinLinkStatus } from '@llamenos/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PublicConfig } from '../app/App.js';
import { navigate, takeFragment } from '../app/router.js';
import { loadMe } from '../app/session.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { KeySetupForm, RecoveryStep, StartOver } from '../components/KeySetup.js';
import { PinUnlockForm } from '../components/PinUnlockForm.js';
import { userTextIn } from '../components/UserText.js';
import { ApiRequestError, fetchJoinLinkStatus, previewInvite, registerKey } from '../lib/api/index.js';
import {
  abandonPendingJoin,
  finishPendingJoin,
  type JoinKind,
  type PendingJoin,
  readPendingJoin,
  writePendingJoin,
} from '../lib/onboarding.js';
import { type KeyBackup, unlockedSecretKey } from '../lib/vault.js';

type Step =
  | { name: 'checking' }
  | { name: 'refused'; status: Exclude<JoinLinkStatus, 'valid'>; keyRemoved: boolean }
  | { name: 'setup'; defaultName?: string }
  | { name: 'resume' }
  | { name: 'recovery'; secretKey: Uint8Array; displayName: string; backup: KeyBackup; recoveryKey?: string }
  | { name: 'registering' }
  | { name: 'failed'; error: unknown; retry?: { secretKey: Uint8Array; displayName: string } };

const REFUSALS = { used: 'join.linkUsed', expired: 'join.linkExpired', unknown: 'join.linkUnknown' } as const;

/** Another link pasted into this tab changes only the fragment, which reloads nothing: start over with it. */
function useRestartOnNewLink() {
  useEffect(() => {
    const onHashChange = () => {
      const code = location.hash.slice(1);
      // In-page links (the skip link's #main) change the fragment too; those are not codes.
      if (code && !document.getElementById(code)) location.reload();
    };
    addEventListener('hashchange', onHashChange);
    return () => removeEventListener('hashchange', onHashChange);
  }, []);
}

const keyIdHex = (secretKey: Uint8Array) => toHex(keyIdOf(getPublicKeyBytes(secretKey)));

/**
 * Where a join opened on this device stands: the link's code from the address (a new link
 * replaces an unfinished join of another one) or from the join kept on the device, then the
 * link's status asked before anything else, then the step the person had reached.
 */
/** The link's status; a code the server cannot even parse (cut short, edited) is an unknown link. */
async function linkStatus(kind: JoinKind, token: string): Promise<JoinLinkStatus> {
  try {
    return await fetchJoinLinkStatus(kind, token);
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 400) return 'unknown';
    throw error;
  }
}

async function resolveJoin(kind: JoinKind): Promise<{ pending: PendingJoin | null; step: Step }> {
  const fresh = takeFragment();
  let pending = readPendingJoin(kind);
  if (fresh && pending && pending.token !== fresh) {
    abandonPendingJoin();
    pending = null;
  }
  const token = fresh || pending?.token;
  if (!token) return { pending: null, step: { name: 'failed', error: null } };
  pending ??= { v: 1, kind, token };
  writePendingJoin(pending);

  const status = await linkStatus(kind, token);
  if (status !== 'valid') {
    // A key sent for registration may be a member's now; any other key from this join is a stray.
    const keyRemoved = Boolean(pending.made && !pending.sent);
    if (pending.sent) finishPendingJoin();
    else abandonPendingJoin();
    return { pending: null, step: { name: 'refused', status, keyRemoved } };
  }
  if (pending.made) {
    const unlocked = unlockedSecretKey();
    if (unlocked && keyIdHex(unlocked) === pending.made.keyId)
      return {
        pending,
        step: {
          name: 'recovery',
          secretKey: unlocked,
          displayName: pending.made.displayName,
          backup: pending.made.backup,
        },
      };
    return { pending, step: { name: 'resume' } };
  }
  const defaultName = kind === 'invite' ? (await previewInvite(token)).displayName : undefined;
  return { pending, step: { name: 'setup', defaultName } };
}

/** The key made before a reload, opened with its PIN; or, deliberately, a new key instead. */
function ResumeStep({
  onUnlocked,
  onStartOver,
}: {
  onUnlocked: (key: Uint8Array) => void;
  onStartOver: () => void;
}) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="resume-title">
      <h2 id="resume-title">{t('join.resumeTitle')}</h2>
      <p>{t('join.resumeHelp')}</p>
      <PinUnlockForm id="resume-pin" action={t('join.resumeContinue')} onUnlocked={onUnlocked} />
      <StartOver onClick={onStartOver} />
    </section>
  );
}

/** Checks the link and finds the step this device had reached (resolveJoin), once per kind of join. */
function useResolvedJoin(
  kind: JoinKind,
  setPending: (pending: PendingJoin | null) => void,
  setStep: (step: Step) => void,
) {
  const { t } = useTranslation();
  useEffect(() => {
    let live = true;
    resolveJoin(kind).then(
      (resolved) => {
        if (!live) return;
        setPending(resolved.pending);
        setStep(
          resolved.step.name === 'failed'
            ? { name: 'failed', error: new Error(t('join.noCode')) }
            : resolved.step,
        );
      },
      (error) => {
        if (!live) return;
        // The status said valid but the preview refused: the link died in between.
        const gone = error instanceof ApiRequestError && [400, 404, 410].includes(error.status);
        setStep({ name: 'failed', error: gone ? new Error(t('join.invalidLink')) : error });
      },
    );
    return () => {
      live = false;
    };
  }, [kind, t, setPending, setStep]);
}

function JoinTitle({ config, kind }: { config: PublicConfig; kind: JoinKind }) {
  const { t } = useTranslation();
  return (
    <h1>
      {kind === 'bootstrap'
        ? t('join.bootstrapTitle')
        : userTextIn(t, 'join.inviteTitle', { hotline: config.hotlineName ?? 'Llamenos' })}
    </h1>
  );
}

/** The link was used, expired or never existed; says so, and that a stray key was removed. */
function RefusedLink({ step }: { step: Extract<Step, { name: 'refused' }> }) {
  const { t } = useTranslation();
  return (
    <div role="alert" className="error">
      <p>{t(REFUSALS[step.status])}</p>
      {step.keyRemoved && <p>{t('join.strayKeyRemoved')}</p>}
    </div>
  );
}

/** What went wrong; after a registration with no answer, a retry with the same key. */
function JoinFailed({
  step,
  onRetry,
}: {
  step: Extract<Step, { name: 'failed' }>;
  onRetry: (secretKey: Uint8Array, displayName: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorMessage error={step.error} />
      {step.retry && (
        <button
          type="button"
          onClick={() => step.retry && onRetry(step.retry.secretKey, step.retry.displayName)}
        >
          {t('join.retry')}
        </button>
      )}
    </>
  );
}

/** The join as kept on the device once its key is made (but not yet registered). */
function withMadeKey(pending: PendingJoin, created: { displayName: string; backup: KeyBackup }): PendingJoin {
  return {
    ...pending,
    made: { keyId: created.backup.keyId, displayName: created.displayName, backup: created.backup },
  };
}

/** Back to the recovery step with the key made before a reload, now unlocked. */
function recoveryWith(made: NonNullable<PendingJoin['made']>, secretKey: Uint8Array): Step {
  return { name: 'recovery', secretKey, displayName: made.displayName, backup: made.backup };
}

/**
 * Joining the hotline: the first admin (bootstrap link) or a new member (invite link).
 * The link is checked first; the key is made and locked in this browser, the backup saved,
 * and only then is the public key registered, by a request signed with the new key. Until
 * then the join is kept on the device (lib/onboarding.ts), so reloads and back/forward resume it.
 */
export function JoinPage({ config, kind }: { config: PublicConfig; kind: JoinKind }) {
  const { t } = useTranslation();
  const [pending, setPending] = useState<PendingJoin | null>(null);
  const [step, setStep] = useState<Step>({ name: 'checking' });

  useResolvedJoin(kind, setPending, setStep);

  useRestartOnNewLink();

  function keep(next: PendingJoin) {
    writePendingJoin(next);
    setPending(next);
  }

  async function register(secretKey: Uint8Array, displayName: string) {
    if (!pending) return;
    setStep({ name: 'registering' });
    keep({ ...pending, sent: true });
    try {
      await registerKey(kind, { token: pending.token, displayName }, secretKey);
      finishPendingJoin();
      await loadMe();
      navigate('/', true);
    } catch (error) {
      // A refusal means nothing was registered; no answer (status 0) means it might have been.
      if (error instanceof ApiRequestError && error.status !== 0) keep({ ...pending, sent: false });
      setStep({ name: 'failed', error, retry: { secretKey, displayName } });
    }
  }

  function startOver() {
    if (!pending) return;
    abandonPendingJoin();
    keep({ v: 1, kind, token: pending.token });
    setStep({ name: 'setup', defaultName: pending.made?.displayName });
  }

  return (
    <section>
      <JoinTitle config={config} kind={kind} />
      {step.name === 'checking' && <p aria-busy="true">{t('app.loading')}</p>}
      {step.name === 'refused' && <RefusedLink step={step} />}
      {step.name === 'setup' && (
        <KeySetupForm
          hotline={config.publicUrl}
          defaultName={step.defaultName}
          onCreated={(created) => {
            if (pending) keep(withMadeKey(pending, created));
            setStep({ name: 'recovery', ...created });
          }}
        />
      )}
      {step.name === 'resume' && (
        <ResumeStep
          onStartOver={startOver}
          onUnlocked={(secretKey) => pending?.made && setStep(recoveryWith(pending.made, secretKey))}
        />
      )}
      {step.name === 'recovery' && (
        <RecoveryStep
          recoveryKey={step.recoveryKey}
          backup={step.backup}
          onDone={() => register(step.secretKey, step.displayName)}
          onStartOver={step.recoveryKey ? undefined : startOver}
        />
      )}
      {step.name === 'registering' && <p aria-busy="true">{t('join.registering')}</p>}
      {step.name === 'failed' && <JoinFailed step={step} onRetry={register} />}
    </section>
  );
}
