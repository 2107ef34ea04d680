/**
 * Applies station events once per animation frame (issue 18): events that arrive between two frames
 * are queued and handed over together, so 16 busy bays cost one state update and one render per
 * frame, not one per event. A hidden window gets no animation frames, so a timer flushes the queue
 * too, at most {@link FLUSH_FALLBACK_MS} after its first event (counters, tone and auto-print keep up).
 */

/** Longest wait for a flush when no animation frame comes (hidden window, tests), ms. */
export const FLUSH_FALLBACK_MS = 100;

/** A queue flushed once per frame. */
export interface FrameQueue<T> {
  push(item: T): void;
  /** Drops what is queued and stops any pending flush (on unmount). */
  cancel(): void;
}

/**
 * @param flush receives every item queued since the last flush, oldest first (never empty).
 */
export function createFrameQueue<T>(flush: (items: T[]) => void): FrameQueue<T> {
  let items: T[] = [];
  let frame: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hasFrames = typeof requestAnimationFrame === 'function';
  const stop = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
    frame = timer = undefined;
  };
  const run = () => {
    stop();
    const batch = items;
    items = [];
    if (batch.length) flush(batch);
  };
  return {
    push(item) {
      items.push(item);
      if (timer !== undefined) return;
      if (hasFrames) frame = requestAnimationFrame(run);
      timer = setTimeout(run, FLUSH_FALLBACK_MS);
    },
    cancel() {
      stop();
      items = [];
    },
  };
}
