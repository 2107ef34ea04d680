/**
 * Builds a validated {@link StationApi} on top of any carrier (Electron IPC in the preload, a WebSocket
 * in the browser harness). The carrier only moves opaque values; this module validates each request
 * before it leaves and each response and event as it arrives, so a bad message is a clear
 * `BAD_REQUEST` error instead of undefined behaviour in the UI.
 */
import {
  CallOutcome,
  EVENT_NAMES,
  METHOD_NAMES,
  events,
  isEventName,
  methods,
  type EventHandler,
  type EventName,
  type MethodName,
  type StationApi,
} from './api';
import { StationError } from './errors';

/** Logs a contract violation where a console exists (shared/ has no Node or DOM typings). */
function reportProblem(message: string): void {
  (globalThis as { console?: { error(m: string): void } }).console?.error(message);
}

/** The two primitives a transport must offer. */
export interface Carrier {
  /** Sends a call and resolves with the raw outcome (never rejects for station errors). */
  call(method: MethodName, params: unknown): Promise<unknown>;
  /** Registers the single sink for raw events `(event, payload)`. */
  onEvent(sink: (event: string, payload: unknown) => void): void;
}

function badMessage(what: string, issues: string): StationError {
  return new StationError(
    'BAD_REQUEST',
    `${what} failed validation: ${issues}`,
    'This is a station bug or a version mismatch between window and core; restart the station.',
  );
}

/**
 * Wraps a carrier into the typed, validated station API.
 * @throws StationError BAD_REQUEST (from the returned methods) when a request or response is malformed.
 */
export function createStationClient(carrier: Carrier): StationApi {
  const handlers = new Map<EventName, Set<(p: unknown) => void>>();
  for (const name of EVENT_NAMES) handlers.set(name, new Set());

  carrier.onEvent((event, payload) => {
    if (!isEventName(event)) return;
    const parsed = events[event].safeParse(payload);
    if (!parsed.success) {
      reportProblem(`station: dropped malformed '${event}' event: ${parsed.error.message}`);
      return;
    }
    for (const h of handlers.get(event) ?? []) h(parsed.data);
  });

  const api: Record<string, unknown> = {};
  for (const name of METHOD_NAMES) {
    api[name] = async (request: unknown) => {
      const spec = methods[name];
      const req = spec.request.safeParse(request ?? {});
      if (!req.success) throw badMessage(`Request to ${name}`, req.error.message);
      const raw = await carrier.call(name, req.data);
      const outcome = CallOutcome.safeParse(raw);
      if (!outcome.success) throw badMessage(`Reply from ${name}`, outcome.error.message);
      if (!outcome.data.ok) throw StationError.fromShape(outcome.data.error);
      const res = spec.response.safeParse(outcome.data.value);
      if (!res.success) throw badMessage(`Reply from ${name}`, res.error.message);
      return res.data;
    };
  }
  api.on = <E extends EventName>(event: E, handler: EventHandler<E>) => {
    const set = handlers.get(event);
    if (!set) throw badMessage('Event subscription', `unknown event '${String(event)}'`);
    const h = handler as (p: unknown) => void;
    set.add(h);
    return () => set.delete(h);
  };
  return api as StationApi;
}
