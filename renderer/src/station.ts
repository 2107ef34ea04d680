/**
 * How the renderer reaches the station: the Electron preload exposes `window.station` (IPC); in a
 * plain browser the harness's WebSocket transport builds the same API, which is then installed as
 * `window.station` too, so every screen (and every e2e test) sees one shape.
 */
import type { StationApi } from '../../shared/api';
import { connectWebSocketStation, onTransportClosed, takeTokenFromLocation } from './transport/websocket';

declare global {
  interface Window {
    station?: StationApi;
  }
}

/** Resolves the station API, connecting the WebSocket transport when not in Electron. */
export async function getStation(): Promise<StationApi> {
  if (window.station) return window.station;
  const token = takeTokenFromLocation();
  if (!token) {
    throw new Error(
      'This page needs the station link with its access token. Open the URL printed by `npm run dev:web`.',
    );
  }
  const api = await connectWebSocketStation(token);
  Object.defineProperty(window, 'station', { value: api, writable: false, configurable: false });
  return api;
}

/**
 * Calls `listener` when the window loses its link to the station core (browser harness only; the
 * Electron IPC link lives as long as the window). Returns the unsubscribe function.
 */
export function onStationLost(listener: () => void): () => void {
  return onTransportClosed(listener);
}
