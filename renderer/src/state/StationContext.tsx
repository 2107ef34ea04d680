/**
 * Gives every screen the station API and the live picture (bays, jobs, logs, batch) kept up to date
 * from the event stream. One subscription per window, made here.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useState,
  type ReactNode,
} from 'react';
import type { StationApi } from '../../../shared/api';
import type { Bay, Job } from '../../../shared/domain';
import { toPlainError, type PlainError } from '../lib/errors';
import { initialLiveState, liveReducer, type LiveAction, type LiveState } from './liveState';
import { createFrameQueue } from './frameQueue';

export interface StationContextValue {
  api: StationApi;
  live: LiveState;
  dispatch: (action: LiveAction) => void;
  /** Why the bay list could not be loaded (undefined when it loaded). */
  loadError?: PlainError;
  /** Reloads bays and their jobs from the core. */
  reload: () => Promise<void>;
}

type Loaded = { bays: Bay[]; jobs: Job[] } | { error: PlainError };

/** Loads the bays and the jobs they point at. Never throws. */
async function loadBays(api: StationApi): Promise<Loaded> {
  try {
    const bays = await api.listBays({});
    const jobs = await Promise.all(
      bays.filter((b) => b.jobId).map((b) => api.getJob({ jobId: b.jobId! }).catch(() => undefined)),
    );
    return { bays, jobs: jobs.filter((j): j is Job => j !== undefined) };
  } catch (e) {
    return { error: toPlainError(e) };
  }
}

const Ctx = createContext<StationContextValue | undefined>(undefined);

/** Provides {@link StationContextValue} for `api` to its children. */
export function StationProvider({ api, children }: { api: StationApi; children: ReactNode }) {
  const [live, dispatch] = useReducer(liveReducer, initialLiveState);
  const [loadError, setLoadError] = useState<PlainError | undefined>();

  const apply = useCallback((loaded: Loaded) => {
    if ('error' in loaded) {
      setLoadError(loaded.error);
      return;
    }
    dispatch({ type: 'bays', bays: loaded.bays });
    for (const job of loaded.jobs) dispatch({ type: 'jobIfNew', job });
    setLoadError(undefined);
  }, []);

  const reload = useCallback(() => loadBays(api).then(apply), [api, apply]);

  useEffect(() => {
    // Events are applied once per animation frame, together (frameQueue.ts; issue 18).
    const queue = createFrameQueue<LiveAction>((actions) =>
      dispatch(actions.length === 1 ? actions[0]! : { type: 'many', actions }),
    );
    const offs = [
      api.on('bay', (bay) => queue.push({ type: 'bay', bay })),
      api.on('job', (job) => queue.push({ type: 'job', job })),
      api.on('step', (payload) => queue.push({ type: 'step', payload })),
      api.on('log', (entry) => queue.push({ type: 'log', entry })),
      api.on('batch', (payload) => queue.push({ type: 'batch', payload, receivedAt: Date.now() })),
    ];
    let current = true;
    loadBays(api).then((loaded) => {
      if (current) apply(loaded);
    });
    return () => {
      current = false;
      offs.forEach((off) => off());
      queue.cancel();
    };
  }, [api, apply]);

  const value = useMemo(() => ({ api, live, dispatch, loadError, reload }), [api, live, loadError, reload]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

/** The station context. @throws Error when used outside {@link StationProvider} (a programming error). */
export function useStation(): StationContextValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('useStation() must be used inside <StationProvider>.');
  return v;
}
