import { useMutation } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';

export interface Submit<Args extends unknown[]> {
  /** Runs the action once at a time: busy while it runs, its failure kept in `error`. */
  run: (...args: Args) => Promise<void>;
  busy: boolean;
  error: unknown;
  setError: (error: unknown) => void;
}

export interface SubmitOptions {
  /**
   * Turns a failure into what the form shows: return the error to show (possibly a friendlier
   * one), or null when the form said it another way (a wrong PIN, a lock-out message).
   */
  onError?: (error: unknown) => unknown;
}

/**
 * The busy / try / catch / finally block every form repeated, as a TanStack Query mutation:
 * nothing is sent twice while a request is on its way, and a refusal stays on screen (the
 * earlier one is cleared on retry) so the member can correct and send again. Writes thus go
 * through the same client as reads; a page refreshes what a write made stale with the query
 * client's invalidation, as hub events do.
 */
export function useSubmit<Args extends unknown[]>(
  action: (...args: Args) => Promise<unknown>,
  options: SubmitOptions = {},
): Submit<Args> {
  const [error, setError] = useState<unknown>(null);
  const latest = useRef({ action, options });
  latest.current = { action, options };
  const running = useRef(false);
  // The mutation's own error state is not used: the form decides what to show (onError).
  const { mutateAsync, isPending } = useMutation({
    mutationFn: (args: Args) => latest.current.action(...args),
  });

  const run = useCallback(
    async (...args: Args) => {
      if (running.current) return;
      running.current = true;
      setError(null);
      try {
        await mutateAsync(args);
      } catch (e) {
        const onError = latest.current.options.onError;
        setError(onError ? onError(e) : e);
      } finally {
        running.current = false;
      }
    },
    [mutateAsync],
  );

  return { run, busy: isPending, error, setError };
}
