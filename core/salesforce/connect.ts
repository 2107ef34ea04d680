/**
 * Obtaining an org session (docs/salesforce-wire.md §5): from the tokens in the SecretStore, by the
 * operator's PKCE login in the system browser (§5.1), or by the unattended JWT bearer login (§5.3). Each
 * checks the settings first and stores the new session; tokens never leave the SecretStore.
 */
import type { StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { settingPlace } from '../config';
import { checkOrgConfig, parseIdUrl, type TokenResponse } from './auth';
import { fetchUsername, jwtBearerGrant } from './grants';
import { runPkceLogin, type PkceLoginOptions } from './pkce';
import { OrgSession, readStoredSession, saveStoredSession, type SessionOptions } from './session';
import type { CallStats } from './transport';

type SfConfig = StationConfig['salesforce'];

/** Browser options of the PKCE login (see PkceLoginOptions in pkce.ts). */
export type PkceBrowserOptions = Pick<PkceLoginOptions, 'openUrl' | 'timeoutMs' | 'scope' | 'callbackHost'>;

/** Who logs in with the JWT bearer flow. */
export interface JwtLoginOptions {
  /** Salesforce username (default config.username). */
  username?: string;
  /** PKCS#8 PEM RSA key, stored in the SecretStore first; default the stored SECRET_NAMES.orgJwtKey. */
  privateKeyPem?: string;
}

/**
 * Opens the org with the tokens in the SecretStore. With `authFlow: 'jwt'` and no usable stored session,
 * logs in with the JWT bearer flow (key from the SecretStore).
 * @throws StationError ORG_NOT_CONNECTED (PKCE, nobody logged in), ORG_CONFIG, ORG_AUTH
 */
export async function openSession(
  config: SfConfig,
  secrets: SecretStore,
  opts: SessionOptions = {},
): Promise<OrgSession> {
  const { loginUrl } = checkOrgConfig(config, opts.settingsFile);
  const stored = await readStoredSession(secrets, loginUrl);
  if (stored) return new OrgSession(config, secrets, stored, opts);
  if (config.authFlow === 'jwt') return loginWithJwtBearer(config, secrets, opts);
  throw new StationError(
    'ORG_NOT_CONNECTED',
    'The station is not logged in to Salesforce.',
    'Log in to the org: asset-station org login, or Connect org in the app.',
  );
}

/**
 * Operator login: web-server flow with PKCE, system browser via `openUrl`, loopback callback on
 * `config.callbackPort` (docs/salesforce-wire.md §5.1). Stores the refresh token and the session.
 * @throws StationError ORG_CONFIG (no refresh token issued, port busy, app misconfigured), ORG_AUTH, ORG_UNAVAILABLE
 */
export async function loginWithPkce(
  config: SfConfig,
  secrets: SecretStore,
  opts: PkceBrowserOptions & SessionOptions,
): Promise<OrgSession> {
  const { loginUrl } = checkOrgConfig(config, opts.settingsFile);
  const clientSecret = await secrets.get(SECRET_NAMES.orgClientSecret);
  const stats: CallStats = { restCalls: 0, tokenCalls: 0, otherCalls: 0 };
  const tr = await runPkceLogin(
    {
      loginUrl,
      clientId: config.clientId,
      ...(clientSecret ? { clientSecret } : {}),
      callbackPort: config.callbackPort,
      openUrl: opts.openUrl,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      ...(opts.scope ? { scope: opts.scope } : {}),
      ...(opts.callbackHost ? { callbackHost: opts.callbackHost } : {}),
      ...(opts.settingsFile ? { settingsFile: opts.settingsFile } : {}),
    },
    () => stats.tokenCalls++,
  );
  if (!tr.refresh_token) {
    throw new StationError(
      'ORG_CONFIG',
      'Salesforce issued no refresh token, so the session would end with the browser session.',
      "Add the 'refresh_token, offline_access' scope to the External Client App (docs/salesforce-setup.md) and log in again.",
    );
  }
  const username = await fetchUsername(tr, loginUrl);
  stats.otherCalls++;
  await secrets.set(SECRET_NAMES.orgRefreshToken, tr.refresh_token);
  return persist(config, secrets, tr, { flow: 'pkce', username, stats }, opts);
}

/**
 * Unattended login: JWT bearer flow with an RS256 assertion signed by the station key
 * (docs/salesforce-wire.md §5.3). No refresh token: the session logs in again when it expires.
 * @throws StationError ORG_CONFIG (no username, bad key), SECRET_MISSING (no key), ORG_AUTH, ORG_UNAVAILABLE
 */
export async function loginWithJwtBearer(
  config: SfConfig,
  secrets: SecretStore,
  opts: JwtLoginOptions & SessionOptions = {},
): Promise<OrgSession> {
  checkOrgConfig(config, opts.settingsFile);
  const username = opts.username ?? config.username;
  if (!username) {
    throw new StationError(
      'ORG_CONFIG',
      'The JWT bearer flow needs the Salesforce username of the station user.',
      `Set ${settingPlace('salesforce.username', opts.settingsFile)}.`,
    );
  }
  if (opts.privateKeyPem) await secrets.set(SECRET_NAMES.orgJwtKey, opts.privateKeyPem);
  const tr = await jwtBearerGrant(config, secrets, username);
  const stats: CallStats = { restCalls: 0, tokenCalls: 1, otherCalls: 0 };
  return persist(config, secrets, tr, { flow: 'jwt', username, stats }, opts);
}

async function persist(
  config: SfConfig,
  secrets: SecretStore,
  tr: TokenResponse,
  how: { flow: 'pkce' | 'jwt'; username: string | undefined; stats: CallStats },
  opts: SessionOptions,
): Promise<OrgSession> {
  const { orgId, userId } = parseIdUrl(tr.id);
  const stored = {
    accessToken: tr.access_token,
    instanceUrl: tr.instance_url,
    orgId,
    userId,
    ...(how.username ? { username: how.username } : {}),
    flow: how.flow,
    loginUrl: checkOrgConfig(config, opts.settingsFile).loginUrl,
  };
  await saveStoredSession(secrets, stored);
  return new OrgSession(config, secrets, stored, opts, how.stats);
}
