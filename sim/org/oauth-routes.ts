/**
 * The emulator's OAuth and identity endpoints over HTTP (docs/salesforce-wire.md §5, §8): authorize,
 * token (with the token-endpoint HTML fault and the latency fault), revoke, userinfo, `/id/keys` and the
 * identity URL. The OAuth logic is oauth.ts.
 */
import type http from 'node:http';
import { MAINTENANCE_PAGE, takeFault } from './faults';
import { send, sendHtml, sleep, type EmuRequest } from './http';
import { OAuthError } from './oauth';
import type { EmulatorState } from './state';

const ID_URL = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/;

/** Answers an OAuth or identity request; false when `req` is not one. */
export async function oauthRoutes(
  st: EmulatorState,
  req: EmuRequest,
  res: http.ServerResponse,
): Promise<boolean> {
  const { method, path, url, raw } = req;
  if (path === '/services/oauth2/authorize') {
    const q = method === 'POST' ? new URLSearchParams(raw) : url.searchParams;
    const decision = q.get('decision');
    const r = st.oauth.authorize(q, decision === 'allow' || decision === 'deny' ? decision : undefined);
    if (r.redirect) send(res, 302, undefined, { Location: r.redirect });
    else sendHtml(res, r.status, r.html ?? '');
    return true;
  }
  if (path === '/services/oauth2/token' && method === 'POST') {
    await token(st, raw, res);
    return true;
  }
  if (path === '/services/oauth2/revoke' && method === 'POST') {
    try {
      st.oauth.revoke(new URLSearchParams(raw).get('token') ?? url.searchParams.get('token') ?? '');
      send(res, 200, undefined);
    } catch (e) {
      if (e instanceof OAuthError) send(res, 400, e.body());
      else throw e;
    }
    return true;
  }
  if (path === '/services/oauth2/userinfo') {
    const s = st.oauth.session(req.bearer);
    if (!s) send(res, 403, 'Bad_OAuth_Token');
    else send(res, 200, st.oauth.userinfo(s.userId));
    return true;
  }
  if (path === '/id/keys' && method === 'GET') {
    send(res, 200, st.oauth.jwks());
    return true;
  }
  const idm = ID_URL.exec(path);
  if (idm && method === 'GET') {
    const s = st.oauth.session(req.bearer);
    const doc = s && idm[1] === st.store.data.orgId ? st.oauth.identity(idm[2]!) : undefined;
    if (!s) send(res, 403, 'Bad_OAuth_Token');
    else if (doc) send(res, 200, doc);
    else send(res, 404, 'Not found');
    return true;
  }
  return false;
}

/** `POST /services/oauth2/token`: the latency fault holds a refresh while it is "being processed". */
async function token(st: EmulatorState, raw: string, res: http.ServerResponse): Promise<void> {
  if (st.countTokenCalls) st.usage.count();
  if (takeFault(st.faults, 'tokenHtmlErrors')) {
    sendHtml(res, 503, MAINTENANCE_PAGE);
    return;
  }
  const hold = async () => {
    if (st.faults.latencyMs > 0) await sleep(st.faults.latencyMs);
  };
  const params = new URLSearchParams(raw);
  const refresh = params.get('grant_type') === 'refresh_token';
  try {
    const body = await st.oauth.token(params, refresh ? hold : async () => {});
    if (!refresh) await hold();
    send(res, 200, body);
  } catch (e) {
    if (e instanceof OAuthError) send(res, e.status, e.body());
    else throw e;
  }
}
