import { useCallback, useState } from 'react';
import { toPlainError, type PlainError } from '../lib/errors';

/** State of one user-triggered station call. */
export interface AsyncAction<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error?: PlainError;
  clearError: () => void;
}

/**
 * Wraps a station call for a button: tracks `busy`, keeps the last error in plain words, and never
 * throws (a failed call resolves undefined).
 */
export function useAsyncAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): AsyncAction<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<PlainError | undefined>();
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(undefined);
      try {
        return await fn(...args);
      } catch (e) {
        setError(toPlainError(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [fn],
  );
  const clearError = useCallback(() => setError(undefined), []);
  return { run, busy, error, clearError };
}
