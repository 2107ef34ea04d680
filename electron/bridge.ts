/**
 * Makes the station API safe to pass through Electron's contextBridge. The bridge copies values with
 * a structured-clone-like algorithm and drops custom properties of Error objects, so a rejected
 * StationError would reach the renderer without its `code` and `remedy`. This wrapper rejects with a
 * plain {@link StationErrorShape} object (plus `name: 'StationError'`) instead, which survives the copy
 * and is recognised by `isStationError` / `toErrorShape` in shared/errors.ts.
 *
 * No Electron import: used by the preload bundle and unit-tested under Node.
 */
import { METHOD_NAMES, type StationApi } from '../shared/api';
import { toErrorShape, type StationErrorShape } from '../shared/errors';

/** What the renderer receives as a rejection from `window.station.<method>()`. */
export type BridgedError = StationErrorShape & { name: 'StationError' };

/** Converts anything thrown into a clone-safe plain error object. */
function toBridgedError(e: unknown): BridgedError {
  return { name: 'StationError', ...toErrorShape(e) };
}

/**
 * Returns a plain object with the same methods as `api` whose rejections are {@link BridgedError}s,
 * and the same `on(event, handler)` subscription.
 */
export function bridgeSafe(api: StationApi): StationApi {
  const out: Record<string, unknown> = {};
  for (const name of METHOD_NAMES) {
    const fn = api[name] as (req: unknown) => Promise<unknown>;
    out[name] = (request: unknown) =>
      fn(request).catch((e: unknown) => {
        throw toBridgedError(e);
      });
  }
  out.on = (event: Parameters<StationApi['on']>[0], handler: Parameters<StationApi['on']>[1]) =>
    api.on(event, handler);
  return Object.freeze(out) as StationApi;
}
