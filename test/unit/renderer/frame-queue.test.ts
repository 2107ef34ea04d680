/**
 * Issue 18: station events reach the renderer's state once per animation frame — every event of one
 * frame in one update, in arrival order — and a window without frames (hidden) still gets them within
 * the fallback time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameQueue, FLUSH_FALLBACK_MS } from '../../../renderer/src/state/frameQueue';
import { initialLiveState, liveReducer, type LiveAction } from '../../../renderer/src/state/liveState';
import { bay, job } from './fakeStation';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('frame queue', () => {
  it('hands every event queued before a frame over in one flush, in order; the next frame gets the next ones', () => {
    const frames: Array<() => void> = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
    const flushes: number[][] = [];
    const q = createFrameQueue<number>((items) => flushes.push(items));
    for (let i = 1; i <= 16; i++) q.push(i);
    expect(flushes).toEqual([]); // nothing before the frame
    expect(frames).toHaveLength(1); // one frame asked for, not sixteen
    frames[0]!();
    expect(flushes).toEqual([[...Array(16).keys()].map((i) => i + 1)]);
    q.push(17);
    frames[1]!();
    expect(flushes).toEqual([flushes[0], [17]]);
  });

  it('without animation frames (a hidden window) the timer flushes within the fallback time', () => {
    vi.useFakeTimers();
    vi.stubGlobal('requestAnimationFrame', () => 1);
    vi.stubGlobal('cancelAnimationFrame', () => {});
    const flushes: string[][] = [];
    const q = createFrameQueue<string>((items) => flushes.push(items));
    q.push('a');
    q.push('b');
    vi.advanceTimersByTime(FLUSH_FALLBACK_MS - 1);
    expect(flushes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushes).toEqual([['a', 'b']]);
    q.push('c');
    q.cancel();
    vi.advanceTimersByTime(FLUSH_FALLBACK_MS);
    expect(flushes).toEqual([['a', 'b']]); // cancelled: nothing after unmount
  });

  it("a frame's events applied as one 'many' update give the same state as one by one", () => {
    const actions: LiveAction[] = [
      { type: 'bays', bays: [bay('b1', 'UID-1'), bay('b2', 'UID-2')] },
      { type: 'job', job: job('j1', 'b1') },
      { type: 'step', payload: { jobId: 'j1', bayId: 'b1', step: { name: 'keygen', state: 'done' } } },
      { type: 'bay', bay: bay('b2', 'UID-2', { status: 'offline' }) },
      { type: 'batch', payload: { succeeded: 1, failed: 0 }, receivedAt: 5 },
    ];
    const oneByOne = actions.reduce(liveReducer, initialLiveState);
    expect(liveReducer(initialLiveState, { type: 'many', actions })).toEqual(oneByOne);
    expect(oneByOne.jobs.j1!.steps.find((s) => s.name === 'keygen')?.state).toBe('done');
    expect(oneByOne.bays[1]!.status).toBe('offline');
  });
});
