/**
 * The live picture of the station the screens render: bays, their jobs, recent log lines and the
 * last finished batch. A pure reducer fed by the initial load (listBays/getJob) and by the event
 * stream (`bay`, `job`, `step`, `log`, `batch` from shared/api.ts), so it is testable without a DOM.
 */
import type { EventPayload } from '../../../shared/api';
import type { Bay, Job, LogEntry } from '../../../shared/domain';

/** Most recent log lines kept in memory. */
export const LOG_LIMIT = 200;

export interface LiveState {
  /** Bays in the order the station first reported them. */
  bays: Bay[];
  /** Jobs by id (the ones bays point at, plus any seen on the event stream). */
  jobs: Record<string, Job>;
  /** Newest last, at most {@link LOG_LIMIT}. */
  logs: LogEntry[];
  /** The last `batch` event, with the time it arrived (ms since epoch). */
  batch?: EventPayload<'batch'> & { receivedAt: number };
}

export type LiveAction =
  | { type: 'bays'; bays: Bay[] }
  | { type: 'bay'; bay: Bay }
  | { type: 'job'; job: Job }
  /** A job returned by a call (startJob, retryJob…): applied only if no event about it came first. */
  | { type: 'jobIfNew'; job: Job }
  | { type: 'step'; payload: EventPayload<'step'> }
  | { type: 'log'; entry: LogEntry }
  | { type: 'batch'; payload: EventPayload<'batch'>; receivedAt: number }
  | { type: 'dismissBatch' }
  /** Several of the above, applied in order as one update (the events of one animation frame). */
  | { type: 'many'; actions: LiveAction[] };

export const initialLiveState: LiveState = { bays: [], jobs: {}, logs: [] };

function upsertBay(bays: Bay[], bay: Bay): Bay[] {
  const i = bays.findIndex((b) => b.id === bay.id);
  if (i < 0) return [...bays, bay];
  const next = bays.slice();
  next[i] = bay;
  return next;
}

/** Applies one load result or event. Unknown jobs named by a `step` event get a stub until `job` arrives. */
export function liveReducer(state: LiveState, action: LiveAction): LiveState {
  switch (action.type) {
    case 'bays': {
      let bays: Bay[] = [];
      for (const b of action.bays) bays = upsertBay(bays, b);
      return { ...state, bays };
    }
    case 'bay':
      return { ...state, bays: upsertBay(state.bays, action.bay) };
    case 'job': {
      const bays = state.bays.map((b) =>
        b.id === action.job.bayId && b.jobId !== action.job.id ? { ...b, jobId: action.job.id } : b,
      );
      return { ...state, bays, jobs: { ...state.jobs, [action.job.id]: action.job } };
    }
    case 'jobIfNew':
      return state.jobs[action.job.id] ? state : liveReducer(state, { type: 'job', job: action.job });
    case 'step': {
      const { jobId, bayId, step } = action.payload;
      const job: Job = state.jobs[jobId] ?? {
        id: jobId,
        kind: 'provision',
        bayId,
        state: 'running',
        steps: [],
        startedAt: step.startedAt ?? new Date().toISOString(),
      };
      const i = job.steps.findIndex((s) => s.name === step.name);
      const steps = i < 0 ? [...job.steps, step] : job.steps.map((s, k) => (k === i ? step : s));
      return { ...state, jobs: { ...state.jobs, [jobId]: { ...job, steps } } };
    }
    case 'log': {
      const logs = [...state.logs, action.entry];
      return { ...state, logs: logs.length > LOG_LIMIT ? logs.slice(-LOG_LIMIT) : logs };
    }
    case 'batch':
      return { ...state, batch: { ...action.payload, receivedAt: action.receivedAt } };
    case 'many':
      return action.actions.reduce(liveReducer, state);
    case 'dismissBatch': {
      const { batch: _batch, ...rest } = state;
      return rest;
    }
  }
}
