import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';

/** How long a confirmation stays on screen: long enough to read a sentence, short enough not to linger. */
export const TOAST_MS = 6000;

interface Shown {
  /** Counts up, so the same words said twice are announced and shown afresh. */
  id: number;
  message: string;
}

/** Without a provider (a component rendered alone in a test) a confirmation goes nowhere. */
const ToastContext = createContext<(message: string) => void>(() => undefined);

/**
 * Short confirmations of something done away from where the eye is ("Copied to the clipboard.",
 * "Note saved.", an export downloaded), floating at the bottom of the screen (styles.css .toast).
 * One at a time: a newer one replaces the one showing. The live region is always in the page, so
 * a screen reader announces each message as it appears (role="status": politely, never cutting
 * in). Errors are never toasts: they stay beside what failed until dealt with.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [shown, setShown] = useState<Shown | null>(null);
  const show = useCallback(
    (message: string) => setShown((before) => ({ id: (before?.id ?? 0) + 1, message })),
    [],
  );
  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(() => setShown(null), TOAST_MS);
    return () => clearTimeout(timer);
  }, [shown]);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div role="status" className="toast-region" data-testid="toast-region">
        {shown && (
          <p key={shown.id} className="toast">
            {shown.message}
          </p>
        )}
      </div>
    </ToastContext.Provider>
  );
}

/** Shows a confirmation for a few seconds: `const toast = useToast(); toast(t('notes.saved'))`. */
export const useToast = (): ((message: string) => void) => useContext(ToastContext);
