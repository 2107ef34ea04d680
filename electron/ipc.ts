/**
 * Electron IPC transport of the station API (main side). One channel, {@link CALL_CHANNEL}, carries
 * every method call: the sender frame is checked first ({@link isTrustedSender}: top frame on the app
 * origin, Electron security checklist item 17), then shared/api-server.ts `dispatchCall` validates the
 * request, runs it on the core and validates the reply. Station events are validated with
 * `validateEvent` and sent on {@link EVENT_CHANNEL} only to registered webContents whose main frame is
 * still on the app origin.
 *
 * Electron objects are injected through the small structural types below ({@link IpcMainLike},
 * {@link WebContentsLike}), so the binding is unit-tested under plain Node with stand-ins of exactly
 * those objects; main.ts passes the real `ipcMain` and `BrowserWindow.webContents`.
 */
import type { CallOutcome, StationMethods } from '../shared/api';
import { dispatchCall, validateEvent } from '../shared/api-server';
import { StationError } from '../shared/errors';
import { CALL_CHANNEL, EVENT_CHANNEL } from './ipc-channels';
import { APP_ORIGIN, isTrustedSender, type FrameLike } from './security';

export { CALL_CHANNEL, EVENT_CHANNEL };

/** The part of `IpcMainInvokeEvent` the binding reads. */
export interface InvokeEventLike {
  readonly senderFrame: FrameLike | null;
}

/** The part of Electron's `ipcMain` the binding uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** The part of a `WebContents` that events are sent to. */
export interface WebContentsLike {
  readonly id: number;
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/** The core as the binding sees it: every contract method plus the event subscription. */
export type StationCore = StationMethods & {
  subscribe(handler: (event: string, payload: unknown) => void): () => void;
};

/** Handle returned by {@link bindStationIpc}. */
export interface StationIpcBinding {
  /** Lets `contents` receive station events (while its main frame is on the app origin). */
  addTarget(contents: WebContentsLike): void;
  /** Stops sending events to `contents`. */
  removeTarget(contents: WebContentsLike): void;
  /** Removes the IPC handler and the event subscription. Idempotent. */
  dispose(): void;
}

/** Outcome returned to a sender that failed {@link isTrustedSender}. */
function unauthorizedSender(): CallOutcome {
  return {
    ok: false,
    error: new StationError(
      'UNAUTHORIZED',
      'The station refused a call from a frame that is not the Asset Station window.',
      'Only the Asset Station window may call the station; restart the app if this persists.',
    ).toShape(),
  };
}

/**
 * Handles one `station:call` invocation: sender check, then dispatch. Never throws.
 * @returns UNAUTHORIZED for an untrusted frame, otherwise `dispatchCall`'s outcome (UNKNOWN_METHOD for
 *   a name outside the contract, BAD_REQUEST for a malformed payload).
 */
export async function handleCall(
  core: StationMethods,
  event: InvokeEventLike,
  method: unknown,
  params: unknown,
  appOrigin: string = APP_ORIGIN,
): Promise<CallOutcome> {
  if (!isTrustedSender(event.senderFrame, appOrigin)) {
    console.warn(
      `asset-station: refused IPC call from untrusted frame ${String(event.senderFrame?.url ?? '(none)').slice(0, 200)}`,
    );
    return unauthorizedSender();
  }
  return dispatchCall(core, method, params);
}

/**
 * Binds the station API to IPC: registers the `station:call` handler on `ipcMain` and forwards every
 * valid station event to the registered, trusted targets.
 */
export function bindStationIpc(opts: {
  ipcMain: IpcMainLike;
  station: StationCore;
  appOrigin?: string;
}): StationIpcBinding {
  const appOrigin = opts.appOrigin ?? APP_ORIGIN;
  const targets = new Map<number, WebContentsLike>();

  opts.ipcMain.handle(CALL_CHANNEL, (event, method, params) =>
    handleCall(opts.station, event, method, params, appOrigin),
  );

  const unsubscribe = opts.station.subscribe((event, payload) => {
    const valid = validateEvent(event, payload);
    if (valid === undefined) return;
    for (const [id, contents] of targets) {
      if (contents.isDestroyed()) {
        targets.delete(id);
        continue;
      }
      if (!isTrustedSender(contents.mainFrame, appOrigin)) continue;
      contents.send(EVENT_CHANNEL, event, valid);
    }
  });

  let disposed = false;
  return {
    addTarget(contents) {
      targets.set(contents.id, contents);
    },
    removeTarget(contents) {
      targets.delete(contents.id);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      opts.ipcMain.removeHandler(CALL_CHANNEL);
      unsubscribe();
      targets.clear();
    },
  };
}
