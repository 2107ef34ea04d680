/**
 * Preload of the main window (sandboxed: built by scripts/build.mjs into ONE CommonJS file,
 * dist/electron/preload.cjs, with only 'electron' left external). Exposes the validated station API
 * as `window.station` through contextBridge; ipcRenderer itself is never exposed (Electron security
 * checklist item 20). Calls go over {@link CALL_CHANNEL} with `ipcRenderer.invoke`; events arrive on
 * {@link EVENT_CHANNEL}. Both directions are validated by shared/api-client.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createStationClient, type Carrier } from '../shared/api-client';
import { bridgeSafe } from './bridge';
import { CALL_CHANNEL, EVENT_CHANNEL } from './ipc-channels';

const carrier: Carrier = {
  call: (method, params) => ipcRenderer.invoke(CALL_CHANNEL, method, params) as Promise<unknown>,
  onEvent: (sink) => {
    ipcRenderer.on(EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
      if (typeof name === 'string') sink(name, payload);
    });
  },
};

contextBridge.exposeInMainWorld('station', bridgeSafe(createStationClient(carrier)));
