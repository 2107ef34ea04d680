/**
 * The operator login: OAuth 2.0 web-server flow with PKCE (RFC 7636) and a loopback redirect on a fixed
 * port (RFC 8252 §7.3; docs/salesforce-wire.md §5.1, §6.2). The system browser shows Salesforce's login page;
 * the station only listens for the redirect and exchanges the code through jsforce's OAuth2.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { OAuth2 } from 'jsforce';
import { StationError } from '../../shared/errors';
import { settingPlace } from '../config';
import { b64url } from './jwt';
import { fromOAuthError, requestToken, type TokenResponse } from './auth';

/** Options of the PKCE loopback login. */
export interface PkceLoginOptions {
  /** Normalised login URL (see normaliseLoginUrl). */
  loginUrl: string;
  /** Consumer key of the External Client App. */
  clientId: string;
  /** Consumer secret, only when the app requires one for the web-server flow. */
  clientSecret?: string;
  /** Fixed loopback port registered in the app's callback URL (docs/salesforce-wire.md §5.1). */
  callbackPort: number;
  /** Host in the callback URL; default `localhost` (the Salesforce CLI convention `http://localhost:1717/OauthRedirect`). */
  callbackHost?: 'localhost' | '127.0.0.1';
  /** Opens the system browser (Electron shell.openExternal, or the CLI's opener). */
  openUrl: (url: string) => void | Promise<void>;
  /** Give up after this many ms. Default 300000 (5 min). */
  timeoutMs?: number;
  /** Default `api refresh_token`. */
  scope?: string;
  /** Absolute path of the station settings file, named in the remedies (config.ts settingPlace). */
  settingsFile?: string;
}

/** The callback URL the app must register: `http://localhost:PORT/OauthRedirect`. */
export function callbackUrl(port: number, host: 'localhost' | '127.0.0.1' = 'localhost'): string {
  return `http://${host}:${port}/OauthRedirect`;
}

const DONE_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Asset Station</title><h1>Signed in</h1><p>You can close this window and return to Asset Station.</p>';
const FAIL_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Asset Station</title><h1>Login failed</h1><p>Return to Asset Station for details.</p>';

/**
 * Web-server flow with PKCE (RFC 7636) and a loopback redirect (RFC 8252 §7.3) on a fixed port.
 * Listens on 127.0.0.1:callbackPort, opens the authorize URL in the system browser, checks `state`,
 * exchanges the code with the same OAuth2 instance (jsforce adds `code_verifier`, docs/salesforce-wire.md §6.2).
 * @param onTokenCall called once before the code exchange (the caller counts token calls).
 * @throws StationError ORG_CONFIG (port busy, app misconfigured), ORG_AUTH (denied, timeout, bad code)
 */
export async function runPkceLogin(
  o: PkceLoginOptions,
  onTokenCall: () => void = () => {},
): Promise<TokenResponse> {
  const redirectUri = callbackUrl(o.callbackPort, o.callbackHost);
  const oauth2 = new OAuth2({
    loginUrl: o.loginUrl,
    clientId: o.clientId,
    ...(o.clientSecret ? { clientSecret: o.clientSecret } : {}),
    redirectUri,
    useVerifier: true,
  });
  // jsforce makes a 171-character verifier (docs/toolchain.md §4), above RFC 7636 §4.1's 128: use 64 chars.
  oauth2.codeVerifier = crypto.randomBytes(48).toString('base64url');
  const state = b64url(crypto.randomBytes(24));
  const authUrl = oauth2.getAuthorizationUrl({
    scope: o.scope ?? 'api refresh_token',
    state,
    code_challenge_method: 'S256',
  } as never);

  const server = http.createServer();
  const code = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(
          new StationError(
            'ORG_AUTH',
            `The Salesforce login was not completed within ${Math.round((o.timeoutMs ?? 300_000) / 1000)} s.`,
            'Run the login again and complete it in the browser window that opens.',
          ),
        ),
      o.timeoutMs ?? 300_000,
    );
    const finish = (r: string | StationError) => {
      clearTimeout(timer);
      if (typeof r === 'string') resolve(r);
      else reject(r);
    };
    server.on('request', (req, res) => {
      const u = new URL(req.url ?? '/', redirectUri);
      if (u.pathname !== '/OauthRedirect') {
        res.writeHead(404).end();
        return;
      }
      const q = u.searchParams;
      if (q.get('state') !== state) {
        res.writeHead(400, { 'Content-Type': 'text/html' }).end(FAIL_PAGE);
        return; // not our request (or forged): keep waiting
      }
      const error = q.get('error');
      const c = q.get('code');
      res
        .writeHead(error || !c ? 400 : 200, { 'Content-Type': 'text/html;charset=utf-8' })
        .end(error || !c ? FAIL_PAGE : DONE_PAGE);
      if (error) finish(fromOAuthError(error, q.get('error_description') ?? error, 'authorise the station'));
      else if (!c)
        finish(
          new StationError(
            'ORG_AUTH',
            'The login redirect carried no authorization code.',
            'Run the login again.',
          ),
        );
      else finish(c);
    });
    server.once('error', (e: NodeJS.ErrnoException) => {
      finish(
        e.code === 'EADDRINUSE'
          ? new StationError(
              'ORG_CONFIG',
              `The login callback port ${o.callbackPort} is in use by another program.`,
              `Close the program using port ${o.callbackPort} (e.g. another login in progress), or change ${settingPlace('salesforce.callbackPort', o.settingsFile)} and the External Client App callback URL together.`,
            )
          : new StationError(
              'ORG_CONFIG',
              `Cannot listen on the login callback port ${o.callbackPort}: ${e.message}.`,
              `Choose another ${settingPlace('salesforce.callbackPort', o.settingsFile)} and register the matching callback URL.`,
            ),
      );
    });
    server.listen(o.callbackPort, '127.0.0.1', () => {
      Promise.resolve(o.openUrl(authUrl)).catch((e: unknown) =>
        finish(
          new StationError(
            'ORG_AUTH',
            `Could not open the browser for the Salesforce login: ${(e as Error).message}.`,
            `Open this URL in a browser yourself: ${authUrl}`,
          ),
        ),
      );
    });
  }).finally(() => {
    server.closeAllConnections();
    server.close();
  });
  onTokenCall();
  return requestToken(oauth2, code, 'exchange the authorization code');
}
