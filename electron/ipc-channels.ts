/**
 * IPC channel names shared by electron/ipc.ts (main) and electron/preload.ts. Kept in their own module
 * so the sandboxed preload bundle does not pull in the station core.
 */

/** `ipcRenderer.invoke(CALL_CHANNEL, method, params)` → {@link CallOutcome} (shared/api.ts). */
export const CALL_CHANNEL = 'station:call';
/** `webContents.send(EVENT_CHANNEL, event, payload)`: one validated station event. */
export const EVENT_CHANNEL = 'station:event';
