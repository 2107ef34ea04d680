/**
 * Emulator-only endpoints (not Salesforce): `GET /emulator/asset-token-events` (the AssetTokenEvent-like
 * log, docs/salesforce-wire.md §1.8), `GET /emulator/assets`, `GET|POST /emulator/faults` (faults.ts),
 * `POST /emulator/expire-sessions`, `POST /emulator/revoke-refresh-tokens`, `GET /emulator/info`. The CLI's `sim-org` drives them.
 */
import type http from 'node:http';
import { patchFaults } from './faults';
import { send, type EmuRequest } from './http';
import type { EmulatorState } from './state';

/** Answers an emulator-only request; false when `req` is not one. */
export function emulatorRoutes(st: EmulatorState, req: EmuRequest, res: http.ServerResponse): boolean {
  const { method, path } = req;
  if (method === 'GET' && path === '/emulator/asset-token-events') send(res, 200, st.store.data.tokenEvents);
  else if (method === 'GET' && path === '/emulator/assets') send(res, 200, st.store.list('Asset'));
  else if (method === 'GET' && path === '/emulator/info') send(res, 200, st.info());
  else if (path === '/emulator/faults') {
    if (method === 'POST' && !patchFaults(st.faults, req.raw)) {
      send(res, 400, [{ errorCode: 'JSON_PARSER_ERROR', message: 'faults must be a JSON object' }]);
    } else send(res, 200, st.faults);
  } else if (method === 'POST' && path === '/emulator/expire-sessions') {
    st.oauth.expireSessions();
    send(res, 204, undefined);
  } else if (method === 'POST' && path === '/emulator/revoke-refresh-tokens') {
    st.oauth.revokeRefreshTokens();
    send(res, 204, undefined);
  } else return false;
  return true;
}
