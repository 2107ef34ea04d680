/**
 * Turns anything a station call can throw into what a technician reads: one sentence of what
 * happened and one of what to do (shared/errors.ts contract). Unknown throws keep their message so a
 * bug stays visible instead of being swallowed.
 */
import { isStationError, type ErrorCode, type StationErrorShape } from '../../../shared/errors';

/** The plain-words view of an error: `message` (what happened) and `remedy` (what to do). */
export interface PlainError {
  code: ErrorCode | 'UNEXPECTED';
  message: string;
  remedy: string;
}

/** Converts a thrown value or a wire error shape into a {@link PlainError}. */
export function toPlainError(e: unknown): PlainError {
  if (isStationError(e)) {
    const s = e as unknown as StationErrorShape;
    return { code: s.code, message: s.message, remedy: s.remedy };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'UNEXPECTED',
    message: message || 'Something went wrong.',
    remedy: 'Try again; if it happens again, reload the window and tell the station maintainer.',
  };
}
