import { useCallback, useEffect, useState } from 'react';
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

/** State of a value loaded from the station. */
export interface Loaded<T> {
  /** The value, once loaded (or as last set). */
  value: T | undefined;
  /** Why loading failed, in plain words. */
  error: PlainError | undefined;
  /** Replaces the value (e.g. with the answer of a later call) and clears the error. */
  setValue: (v: T) => void;
}

/**
 * Loads a value when the component mounts and again whenever `load` changes (wrap it in useCallback
 * with its inputs). A load that finishes after the next one started, or after unmount, is dropped.
 */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [value, setRawValue] = useState<T | undefined>();
  const [error, setError] = useState<PlainError | undefined>();
  useEffect(() => {
    let current = true;
    load().then(
      (v) => {
        if (!current) return;
        setRawValue(v);
        setError(undefined);
      },
      (e) => {
        if (current) setError(toPlainError(e));
      },
    );
    return () => {
      current = false;
    };
  }, [load]);
  const setValue = useCallback((v: T) => {
    setRawValue(v);
    setError(undefined);
  }, []);
  return { value, error, setValue };
}
