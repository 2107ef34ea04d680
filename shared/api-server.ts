/**
 * Server side of the station API, shared by both transports: validates an incoming call, runs it on
 * the core, validates the result, and turns any throw into a {@link StationErrorShape}. Transports
 * (IPC, WebSocket) add only their own sender/token checks and framing.
 */
import { events, isEventName, isMethodName, methods, type CallOutcome, type StationMethods } from './api';
import { StationError, toErrorShape } from './errors';

/** Logs a contract violation where a console exists (shared/ has no Node or DOM typings). */
function reportProblem(message: string): void {
  (globalThis as { console?: { error(m: string): void } }).console?.error(message);
}

/**
 * Runs one call against the core.
 * Never throws: every failure becomes `{ ok: false, error }` (UNKNOWN_METHOD, BAD_REQUEST, or the core's error).
 */
export async function dispatchCall(
  core: StationMethods,
  method: unknown,
  params: unknown,
): Promise<CallOutcome> {
  if (!isMethodName(method)) {
    return {
      ok: false,
      error: new StationError(
        'UNKNOWN_METHOD',
        `The station has no method '${String(method).slice(0, 64)}'.`,
        'Update the station so the window and core versions match.',
      ).toShape(),
    };
  }
  const spec = methods[method];
  const req = spec.request.safeParse(params ?? {});
  if (!req.success) {
    return {
      ok: false,
      error: new StationError(
        'BAD_REQUEST',
        `Request to ${method} is malformed: ${req.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        'Correct the input and try again.',
      ).toShape(),
    };
  }
  try {
    const fn = core[method] as (r: unknown) => Promise<unknown>;
    const value = await fn.call(core, req.data);
    const res = spec.response.safeParse(value);
    if (!res.success) {
      return {
        ok: false,
        error: new StationError(
          'INTERNAL',
          `The core returned a malformed reply to ${method}: ${res.error.message}`,
          'This is a station bug; export the journal and report it.',
        ).toShape(),
      };
    }
    return { ok: true, value: res.data };
  } catch (e) {
    return { ok: false, error: toErrorShape(e) };
  }
}

/**
 * Validates an outgoing event. Returns the parsed payload, or `undefined` (and logs) when the core
 * emitted something that does not match the contract — it is then not sent.
 */
export function validateEvent(event: string, payload: unknown): unknown {
  if (!isEventName(event)) return undefined;
  const parsed = events[event].safeParse(payload);
  if (!parsed.success) {
    reportProblem(`station: not sending malformed '${event}' event: ${parsed.error.message}`);
    return undefined;
  }
  return parsed.data;
}
