/**
 * The station's live session with one org: the stored session (tokens only in the SecretStore), the
 * jsforce Connection over it, single-flight refresh with a loop guard (docs/salesforce-wire.md §5.2, §6.3),
 * logout (§5.5), the connection status, and the API budget read from `Sforce-Limit-Info` (§4.3).
 * Obtained through connect.ts; REST calls go through rest.ts.
 */
import { Connection, OAuth2 } from 'jsforce';
import type { OrgStatus, StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { checkOrgConfig, mapTokenError, type TokenResponse } from './auth';
import { jwtBearerGrant, refreshTokenGrant } from './grants';
import { CountingTransport, type CallStats } from './transport';

type SfConfig = StationConfig['salesforce'];

/** What the SecretStore keeps under SECRET_NAMES.orgAccessToken (JSON). */
export interface StoredSession {
  accessToken: string;
  instanceUrl: string;
  orgId: string;
  userId: string;
  username?: string;
  flow: 'pkce' | 'jwt';
  /** The login URL the session was obtained from; a session of another org/login URL is not reused. */
  loginUrl?: string;
}

/** Reads the stored session; undefined when none, unreadable, or of another login URL. */
export async function readStoredSession(
  secrets: SecretStore,
  loginUrl: string,
): Promise<StoredSession | undefined> {
  const raw = await secrets.get(SECRET_NAMES.orgAccessToken);
  let s: StoredSession | undefined;
  try {
    s = raw ? (JSON.parse(raw) as StoredSession) : undefined;
  } catch {
    s = undefined;
  }
  if (s && s.loginUrl !== undefined && s.loginUrl !== loginUrl) return undefined;
  return s?.accessToken && s.instanceUrl ? s : undefined;
}

/** Writes the session to the SecretStore (SECRET_NAMES.orgAccessToken). */
export async function saveStoredSession(secrets: SecretStore, s: StoredSession): Promise<void> {
  await secrets.set(SECRET_NAMES.orgAccessToken, JSON.stringify(s));
}

/** Options of the session. */
export interface SessionOptions {
  /** API calls kept in reserve: calls stop (ORG_LIMIT) when `used >= limit - reserve`. Default 5 % of the limit. */
  apiReserve?: number;
  /** Largest REST response body read, bytes. Default 1 MiB (bounded-http.ts). */
  maxResponseBytes?: number;
  /** Absolute path of the station settings file (`<home>/config.json`): remedies name it (config.ts settingPlace). */
  settingsFile?: string;
}

/** A refresh loop ends in ORG_AUTH after this many refreshes within {@link REFRESH_LOOP_WINDOW_MS}. */
const REFRESH_LOOP_MAX = 3;
const REFRESH_LOOP_WINDOW_MS = 10_000;

/** One org session. Not created directly: see connect.ts. */
export class OrgSession {
  /** The jsforce connection (explicit API version; our refreshFn). */
  readonly conn: Connection;
  /** The transport every REST call goes through: counts calls, reads `Sforce-Limit-Info`. */
  readonly transport: CountingTransport;
  /** The last refresh failure: jsforce hides it behind its own error (see fromJsforceError). */
  lastRefreshError: StationError | undefined;
  private readonly loginUrl: string;
  private refreshing: Promise<string> | undefined;
  private recentRefreshes: number[] = [];
  private authError: StationError | undefined;
  private apiUsage: { used: number; limit: number } | undefined;

  /**
   * @param stats the counters of the client; calls made while logging in are already in them.
   * @throws StationError ORG_CONFIG (see checkOrgConfig)
   */
  constructor(
    readonly config: SfConfig,
    private readonly secrets: SecretStore,
    private stored: StoredSession,
    private readonly opts: SessionOptions = {},
    readonly stats: CallStats = { restCalls: 0, tokenCalls: 0, otherCalls: 0 },
  ) {
    this.loginUrl = checkOrgConfig(config, opts.settingsFile).loginUrl;
    this.transport = new CountingTransport(stats, (u) => (this.apiUsage = u), {
      instanceUrl: () => this.stored.instanceUrl,
      ...(opts.maxResponseBytes ? { maxBodyBytes: opts.maxResponseBytes } : {}),
    });
    this.conn = new Connection({
      instanceUrl: stored.instanceUrl,
      accessToken: stored.accessToken,
      version: config.apiVersion, // always explicit: jsforce defaults to 50.0 (docs/salesforce-wire.md §6.1)
      oauth2: { loginUrl: this.loginUrl, clientId: config.clientId },
      // Our refreshFn keeps rotated refresh tokens (jsforce's oauthRefreshFn drops them, docs/salesforce-wire.md §6.3).
      refreshFn: (_conn, cb) => {
        this.refresh().then(
          (at) => cb(null, at),
          (e: unknown) => cb(e as Error),
        );
      },
    });
  }

  /** The instance URL REST calls go to (it may change on refresh). */
  get instanceUrl(): string {
    return this.stored.instanceUrl;
  }

  /**
   * The org user of the session (from the token response's `id` URL, docs/salesforce-wire.md §6.3): the
   * 18-character User Id and, when known, the username. Audit entries sent to the org name it (Org_User__c).
   */
  get user(): { userId: string; username?: string } {
    return {
      userId: this.stored.userId,
      ...(this.stored.username ? { username: this.stored.username } : {}),
    };
  }

  /** The current access token. */
  get accessToken(): string {
    return this.conn.accessToken ?? '';
  }

  /**
   * Single-flight refresh: concurrent callers share one token call. PKCE sessions use the refresh token
   * (rotation kept, docs/salesforce-wire.md §5.2); JWT sessions sign a new assertion (§5.3). Guards against a
   * refresh loop (jsforce retries after every refresh, and refreshes on every 401): an org that refuses
   * fresh sessions ends in ORG_AUTH instead of hammering the token endpoint.
   * @returns the new access token. @throws StationError ORG_AUTH, ORG_CONFIG, ORG_UNAVAILABLE
   */
  refresh(): Promise<string> {
    if (!this.refreshing) {
      const now = Date.now();
      this.recentRefreshes = this.recentRefreshes.filter((t) => now - t < REFRESH_LOOP_WINDOW_MS);
      if (this.recentRefreshes.length >= REFRESH_LOOP_MAX) {
        const e = new StationError(
          'ORG_AUTH',
          `Salesforce refuses the session right after each refresh (${REFRESH_LOOP_MAX} refreshes within ${REFRESH_LOOP_WINDOW_MS / 1000} s).`,
          "Check that the user may use the API (profile/permission set 'API Enabled', IP restrictions of the External Client App), then log in again.",
        );
        this.lastRefreshError = e;
        this.authError = e;
        return Promise.reject(e);
      }
      this.recentRefreshes.push(now);
    }
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    try {
      this.stats.tokenCalls++;
      const tr: TokenResponse =
        this.stored.flow === 'jwt'
          ? await jwtBearerGrant(
              this.config,
              this.secrets,
              this.stored.username ?? this.config.username ?? '',
            )
          : await refreshTokenGrant(this.config, this.secrets);
      this.stored = { ...this.stored, accessToken: tr.access_token, instanceUrl: tr.instance_url };
      await saveStoredSession(this.secrets, this.stored);
      this.conn.instanceUrl = tr.instance_url;
      this.conn.accessToken = tr.access_token;
      this.lastRefreshError = undefined;
      this.authError = undefined;
      return tr.access_token;
    } catch (e) {
      const mapped = mapTokenError(e, 'refresh the Salesforce session');
      const se = this.stored.flow === 'pkce' ? signInExpired(mapped) : mapped;
      this.lastRefreshError = se;
      if (se.code === 'ORG_AUTH' || se.code === 'ORG_CONFIG') this.authError = se;
      throw se;
    }
  }

  /**
   * The operator's Salesforce login can no longer be renewed (its refresh token was revoked or has
   * expired): every org call would fail until someone signs in again, so the station stops its jobs at
   * their org step (station-org.ts) and refuses new ones at pre-flight with this error. Undefined otherwise.
   */
  get signInExpired(): StationError | undefined {
    return this.authError?.details?.signInAgain === true ? this.authError : undefined;
  }

  /** Records how a REST call ended: success clears a previous auth error, ORG_AUTH sets it (for status()). */
  recordOutcome(error?: StationError): void {
    if (!error) this.authError = undefined;
    else if (error.code === 'ORG_AUTH') this.authError = error;
  }

  /**
   * Stops before a call when the org's daily API usage (last `Sforce-Limit-Info`, docs/salesforce-wire.md §4.3)
   * has reached the reserve.
   * @throws StationError ORG_LIMIT with `{used, limit, reserve}`
   */
  checkBudget(doing: string): void {
    const u = this.apiUsage;
    if (!u) return;
    const reserve = this.opts.apiReserve ?? Math.ceil(u.limit * 0.05);
    if (u.used >= u.limit - reserve) {
      throw new StationError(
        'ORG_LIMIT',
        `Stopped before trying to ${doing}: the org has used ${u.used} of its ${u.limit} daily API requests, and the last ${reserve} are kept in reserve for people and other integrations.`,
        'Wait until the rolling 24-hour API allocation frees up, or ask the Salesforce admin to raise it (or lower the station reserve); nothing was lost.',
        { used: u.used, limit: u.limit, reserve },
      );
    }
  }

  /**
   * Revokes the refresh token (or the access token) and deletes the tokens from the SecretStore
   * (docs/salesforce-wire.md §5.5). Never throws for a dead token.
   */
  async logout(): Promise<void> {
    const rt = await this.secrets.get(SECRET_NAMES.orgRefreshToken);
    try {
      this.stats.otherCalls++;
      await new OAuth2({ loginUrl: this.loginUrl, clientId: this.config.clientId }).revokeToken(
        rt ?? this.accessToken,
      );
    } catch {
      // already revoked or unreachable: the local tokens are deleted anyway (docs/salesforce-wire.md §5.5)
    }
    await this.secrets.delete(SECRET_NAMES.orgRefreshToken);
    await this.secrets.delete(SECRET_NAMES.orgAccessToken);
    this.authError = new StationError(
      'ORG_NOT_CONNECTED',
      'The station logged out of Salesforce.',
      'Log in to the org again.',
    );
  }

  /** Connection status for the UI (OrgStatus), incl. `apiUsage` from the last `Sforce-Limit-Info`. */
  status(): OrgStatus {
    const err = this.authError?.toShape();
    return {
      connected: !this.authError,
      instanceUrl: this.stored.instanceUrl,
      ...(this.stored.username ? { username: this.stored.username } : {}),
      orgId: this.stored.orgId,
      ...(this.apiUsage ? { apiUsage: { ...this.apiUsage } } : {}),
      ...(err ? { error: err } : {}),
    };
  }
}

/**
 * A refused refresh of an operator's login (PKCE; docs/salesforce-wire.md §5.2, §5.5: a revoked or expired
 * refresh token answers `invalid_grant`) as the operator must read it: "sign in again, then press Retry",
 * with `details.signInAgain` (what {@link OrgSession.signInExpired} and the station look for). Other
 * errors (an outage, a misconfigured app) are returned as they are.
 */
export function signInExpired(e: StationError): StationError {
  const oauthError = e.details?.oauthError;
  const noToken = e.code === 'ORG_AUTH' && !oauthError && !e.details?.status;
  if (!(e.code === 'ORG_AUTH' && (oauthError === 'invalid_grant' || noToken))) return e;
  return new StationError(
    'ORG_AUTH',
    `Salesforce sign-in expired: the station's Salesforce login can no longer be renewed (it was revoked or timed out${oauthError ? `; Salesforce answered ${String(oauthError)}` : ''}).`,
    'Sign in to Salesforce again (Connect org in the app, or log in with asset-station org login), then press Retry: the job keeps its progress, and no Asset is created twice.',
    { ...(e.details ?? {}), signInAgain: true },
  );
}
