/**
 * The renderer's side of the browser harness (dev/ws-server.ts): builds the same
 * validated `StationApi` the Electron preload exposes, carried over a WebSocket to 127.0.0.1.
 *
 * The per-run token arrives in the URL fragment (`#token=…`); it is read once and removed from the
 * address bar. It is offered as the WebSocket subprotocol `token.<token>` next to the API protocol.
 */
import { createStationClient, type Carrier } from '../../../shared/api-client';
import type { MethodName, StationApi } from '../../../shared/api';
import { ServerMessage } from '../../../shared/api';

const PROTOCOL = 'asset-station.v1';

const closeListeners = new Set<() => void>();

/** Calls `listener` when an open station socket closes (the core stopped or the link broke). Returns the unsubscribe function. */
export function onTransportClosed(listener: () => void): () => void {
  closeListeners.add(listener);
  return () => closeListeners.delete(listener);
}

/** Reads and removes `#token=…` from the location. Returns undefined when absent. */
export function takeTokenFromLocation(loc: Location = window.location): string | undefined {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(loc.hash);
  if (!m) return sessionStorage.getItem('asset-station.token') ?? undefined;
  sessionStorage.setItem('asset-station.token', m[1]!);
  history.replaceState(null, '', loc.pathname + loc.search);
  return m[1];
}

/**
 * Connects to the harness on the page's own origin and resolves once the socket is open.
 * Calls made after the socket closes resolve with a TRANSPORT_CLOSED station error.
 */
export function connectWebSocketStation(
  token: string,
  origin: string = window.location.origin,
): Promise<StationApi> {
  const ws = new WebSocket(origin.replace(/^http/, 'ws') + '/station', [PROTOCOL, `token.${token}`]);
  const pending = new Map<number, (outcome: unknown) => void>();
  let nextId = 1;
  let sink: (event: string, payload: unknown) => void = () => {};
  const closedOutcome = {
    ok: false,
    error: {
      code: 'TRANSPORT_CLOSED',
      message: 'The window lost its connection to the station core.',
      remedy: 'Reload the window; if it persists, restart the station (npm run dev:web).',
    },
  };

  ws.addEventListener('message', (ev) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    const msg = ServerMessage.safeParse(parsed);
    if (!msg.success) return;
    if (msg.data.type === 'event') sink(msg.data.event, msg.data.payload);
    else {
      const resolve = pending.get(msg.data.id);
      pending.delete(msg.data.id);
      const { id: _id, type: _type, ...outcome } = msg.data;
      resolve?.(outcome);
    }
  });
  let opened = false;
  ws.addEventListener('open', () => (opened = true), { once: true });
  ws.addEventListener('close', () => {
    for (const resolve of pending.values()) resolve(closedOutcome);
    pending.clear();
    // A refused socket (wrong token) never opened: that is reported by the connect error instead.
    if (opened) for (const listener of closeListeners) listener();
  });

  const carrier: Carrier = {
    call(method: MethodName, params: unknown) {
      if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(closedOutcome);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'call', id, method, params }));
      });
    },
    onEvent(s) {
      sink = s;
    },
  };

  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(createStationClient(carrier)), { once: true });
    ws.addEventListener(
      'error',
      () =>
        reject(
          new Error(
            'Could not connect to the station core (wrong or expired token?). Reopen the URL the station printed.',
          ),
        ),
      { once: true },
    );
  });
}
