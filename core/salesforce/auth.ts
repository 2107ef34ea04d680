/**
 * Org login: login-URL rules, the web-server flow with PKCE and a fixed loopback callback
 * (docs/salesforce-wire.md §5.1, §6.2), the JWT bearer assertion (§5.3), and the token-response shape.
 * Uses jsforce's OAuth2 for the token calls; tokens go to the SecretStore (see session.ts).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { OAuth2 } from 'jsforce';
import { StationError } from '../../shared/errors';
import { b64url, signRs256Jwt } from './jwt';
import { fromOAuthError, oauthErrorParts } from './errors';

/** Token response fields the station reads (docs/salesforce-wire.md §5.1, §5.3). */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  issued_at?: string;
  scope?: string;
}

/**
 * Checks a login URL: production (login.salesforce.com), sandbox (test.salesforce.com), a My Domain
 * (`*.my.salesforce.com`, `*.sandbox.my.salesforce.com`), an Experience Cloud site, or http on a loopback
 * address (the org emulator). Lightning hosts are refused (jsforce rejects them, §6.3).
 * @returns the URL without a trailing slash. @throws StationError ORG_CONFIG
 */
export function normaliseLoginUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new StationError(
      'ORG_CONFIG',
      `The Salesforce login URL '${raw}' is not a URL.`,
      'Use https://login.salesforce.com, https://test.salesforce.com or your My Domain URL.',
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new StationError(
      'ORG_CONFIG',
      `The Salesforce login URL '${raw}' is not https.`,
      'Use the https:// My Domain URL from Setup > My Domain.',
    );
  }
  if (/\.lightning\.force\.com$/i.test(u.hostname)) {
    throw new StationError(
      'ORG_CONFIG',
      `The login URL '${raw}' is a Lightning UI host, not an API host.`,
      'Use the My Domain URL ending in .my.salesforce.com (Setup > My Domain).',
    );
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** `aud` of a JWT bearer assertion for a login URL (docs/salesforce-wire.md §5.3). */
export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname.toLowerCase();
  if (host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com'))
    return 'https://test.salesforce.com';
  if (host.endsWith('salesforce.com')) return 'https://login.salesforce.com';
  return loginUrl; // Experience Cloud site or the emulator
}

/** Builds the RS256 JWT bearer assertion: iss=consumer key, sub=username, aud, exp=now+3 min (§5.3). */
export function buildJwtAssertion(o: {
  clientId: string;
  username: string;
  audience: string;
  privateKeyPem: string;
  nowMs?: number;
}): string {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(o.privateKeyPem);
  } catch {
    throw new StationError(
      'ORG_CONFIG',
      'The JWT bearer private key in the secret store is not a readable PEM key.',
      'Store the PKCS#8 PEM RSA key whose certificate is uploaded to the External Client App (asset-station org login --jwt).',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new StationError(
      'ORG_CONFIG',
      'The JWT bearer key is not an RSA key; Salesforce accepts RS256 only.',
      'Generate an RSA-2048 key pair and upload its certificate to the External Client App.',
    );
  }
  const now = Math.floor((o.nowMs ?? Date.now()) / 1000);
  return signRs256Jwt({ iss: o.clientId, sub: o.username, aud: o.audience, exp: now + 180 }, key);
}

/** Runs a token request through jsforce's OAuth2 and maps failures. */
export async function requestToken(
  oauth2: OAuth2,
  params: Record<string, string> | string,
  doing: string,
): Promise<TokenResponse> {
  let res: unknown;
  try {
    res = await oauth2.requestToken(params as never);
  } catch (e) {
    throw mapTokenError(e, doing);
  }
  return checkTokenResponse(res, doing);
}

/** Maps an error of a jsforce token call to a StationError. */
export function mapTokenError(e: unknown, doing: string): StationError {
  if (e instanceof StationError) return e;
  const parts = oauthErrorParts(e);
  if (parts && /^ERROR_HTTP_(\d+)$/.test(parts.error)) {
    const status = Number(parts.error.slice(11));
    const html = /^\s*</.test(parts.description);
    return new StationError(
      status >= 500 || html ? 'ORG_UNAVAILABLE' : 'ORG_AUTH',
      `Salesforce did not answer the request to ${doing} properly (HTTP ${status}${html ? ', an HTML page' : ''}).`,
      status >= 500 || html
        ? 'Check the network and https://status.salesforce.com, then retry.'
        : 'Check the login URL and the External Client App, then log in again.',
      { status },
    );
  }
  if (parts) return fromOAuthError(parts.error, parts.description, doing);
  return new StationError(
    'ORG_UNAVAILABLE',
    `Could not reach Salesforce to ${doing}: ${(e as Error)?.message ?? String(e)}.`,
    'Check the network connection and the login URL, then retry.',
  );
}

/** Validates the shape of a token response (a proxy page or malformed JSON must not pass). */
export function checkTokenResponse(res: unknown, doing: string): TokenResponse {
  const r = res as Partial<TokenResponse> | undefined;
  if (
    !r ||
    typeof r !== 'object' ||
    typeof r.access_token !== 'string' ||
    typeof r.instance_url !== 'string' ||
    typeof r.id !== 'string'
  ) {
    throw new StationError(
      'ORG_UNAVAILABLE',
      `Salesforce answered the request to ${doing} with something that is not a token response.`,
      'Check the login URL (a proxy or captive portal may be answering), then retry.',
    );
  }
  return r as TokenResponse;
}

/** Splits the identity URL `…/id/{orgId}/{userId}` (as jsforce's parseIdUrl, §6.3). */
export function parseIdUrl(id: string): { orgId: string; userId: string } {
  const [orgId = '', userId = ''] = id.split('/').slice(-2);
  return { orgId, userId };
}

/** Options of the PKCE loopback login. */
export interface PkceLoginOptions {
  loginUrl: string;
  clientId: string;
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
 * exchanges the code with the same OAuth2 instance (jsforce adds `code_verifier`, §6.2).
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
              `Close the program using port ${o.callbackPort} (e.g. another login in progress), or change salesforce.callbackPort and the External Client App callback URL together.`,
            )
          : new StationError(
              'ORG_CONFIG',
              `Cannot listen on the login callback port ${o.callbackPort}: ${e.message}.`,
              'Choose another salesforce.callbackPort and register the matching callback URL.',
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
