/**
 * The token endpoint's plumbing: login-URL rules (docs/salesforce-wire.md §5, §6.3), the JWT bearer
 * audience (§5.3), one token request through jsforce's OAuth2 with its failures mapped (OAuth `error`
 * codes, §1.7), and the token-response shape (§5.1, §5.3). The grants themselves: grants.ts (JWT bearer, refresh) and pkce.ts.
 */
import type { OAuth2 } from 'jsforce';
import type { StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { settingPlace } from '../config';
import { unexpectedAnswer, unreachable, type Doing } from './errors';

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

/** The oldest REST API version the station speaks (its resources and error shapes, docs/salesforce-wire.md §4.2). */
export const MIN_API_VERSION = 62;

/**
 * Checks the settings every org call needs: a usable login URL, a consumer key, and an explicit API
 * version of at least {@link MIN_API_VERSION} (jsforce would default to 50.0, docs/salesforce-wire.md §6.1).
 * @param settingsFile absolute path of the station settings file, named in the remedies (config.ts settingPlace).
 * @returns the normalised login URL. @throws StationError ORG_CONFIG naming the setting to fix
 */
export function checkOrgConfig(
  config: StationConfig['salesforce'],
  settingsFile?: string,
): { loginUrl: string } {
  const loginUrl = normaliseLoginUrl(config.loginUrl);
  if (!config.clientId) {
    throw new StationError(
      'ORG_CONFIG',
      'No Salesforce consumer key (clientId) is configured.',
      `Copy the consumer key of the External Client App into ${settingPlace('salesforce.clientId', settingsFile)} (docs/salesforce-setup.md).`,
    );
  }
  const major = Number(config.apiVersion.split('.')[0]);
  if (!(major >= MIN_API_VERSION)) {
    throw new StationError(
      'ORG_CONFIG',
      `Salesforce API version ${config.apiVersion} is too old.`,
      `Set ${settingPlace('salesforce.apiVersion', settingsFile)} to ${MIN_API_VERSION}.0 or later.`,
    );
  }
  return { loginUrl };
}

/** `aud` of a JWT bearer assertion for a login URL (docs/salesforce-wire.md §5.3). */
export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).hostname.toLowerCase();
  if (host === 'test.salesforce.com' || host.endsWith('.sandbox.my.salesforce.com'))
    return 'https://test.salesforce.com';
  if (host.endsWith('salesforce.com')) return 'https://login.salesforce.com';
  return loginUrl; // Experience Cloud site or the emulator
}

/**
 * Runs one token request through jsforce's OAuth2 (`POST {loginUrl}/services/oauth2/token`) and checks
 * the answer's shape.
 * @param params the grant's form fields, or an authorization code (jsforce then sends the code grant).
 * @param doing what the request is for, in the user's words ("refresh the Salesforce session").
 * @throws StationError ORG_AUTH / ORG_CONFIG (OAuth error, docs/salesforce-wire.md §1.7), ORG_UNAVAILABLE
 */
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

/** Maps an OAuth token-endpoint error (`{error, error_description}`, docs/salesforce-wire.md §1.7). */
export function fromOAuthError(error: string, description: string, doing: Doing): StationError {
  const details = { oauthError: error };
  switch (error) {
    case 'invalid_client':
    case 'invalid_client_id':
    case 'unauthorized_client':
    case 'unsupported_grant_type':
    case 'redirect_uri_mismatch':
      return new StationError(
        'ORG_CONFIG',
        `Salesforce refused to ${doing}: ${error} (${description}).`,
        'Check the consumer key, the callback URL and the enabled OAuth flows of the External Client App (docs/salesforce-setup.md) and the station settings.',
        details,
      );
    case 'access_denied':
      return new StationError(
        'ORG_AUTH',
        `The login was declined in the browser (${description}).`,
        'Run the login again and choose Allow.',
        details,
      );
    default:
      return new StationError(
        'ORG_AUTH',
        `Salesforce refused to ${doing}: ${error} (${description}).`,
        'Log in to the org again (asset-station org login, or Connect org in the app); for an unattended station, check the JWT bearer certificate, user and pre-authorisation.',
        details,
      );
  }
}

/** Reads `error`/`error_description` from a jsforce OAuth error (it sets `name`/`message`, docs/salesforce-wire.md §6.3). */
export function oauthErrorParts(e: unknown): { error: string; description: string } | undefined {
  if (!(e instanceof Error)) return undefined;
  if (/^[a-z_]+$/.test(e.name) || /^ERROR_HTTP_\d+$/.test(e.name))
    return { error: e.name, description: e.message };
  return undefined;
}

/**
 * Maps an error of a jsforce token call to a StationError: `ERROR_HTTP_nnn` (5xx or an HTML page →
 * ORG_UNAVAILABLE, else ORG_AUTH), an OAuth `error` → {@link fromOAuthError}, anything else → ORG_UNAVAILABLE.
 */
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
  return unreachable(
    doing,
    (e as Error)?.message ?? String(e),
    'Check the network connection and the login URL, then retry.',
  );
}

/**
 * Validates the shape of a token response (a proxy page or malformed JSON must not pass).
 * @throws StationError ORG_UNAVAILABLE when `access_token`, `instance_url` or `id` is missing.
 */
export function checkTokenResponse(res: unknown, doing: string): TokenResponse {
  const r = res as Partial<TokenResponse> | undefined;
  if (
    !r ||
    typeof r !== 'object' ||
    typeof r.access_token !== 'string' ||
    typeof r.instance_url !== 'string' ||
    typeof r.id !== 'string'
  ) {
    throw unexpectedAnswer(
      doing,
      'something that is not a token response',
      'Check the login URL (a proxy or captive portal may be answering), then retry.',
    );
  }
  return r as TokenResponse;
}

/** Splits the identity URL `…/id/{orgId}/{userId}` (as jsforce's parseIdUrl, docs/salesforce-wire.md §6.3). */
export function parseIdUrl(id: string): { orgId: string; userId: string } {
  const [orgId = '', userId = ''] = id.split('/').slice(-2);
  return { orgId, userId };
}
