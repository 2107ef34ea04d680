/** In e2e page.evaluate callbacks, `window.station` is the renderer's station API (renderer/src/station.ts). */
import type { StationApi } from '../../shared/api';

declare global {
  interface Window {
    station?: StationApi;
  }
}

export {};
