/**
 * OrgClient: the station's connection to one Salesforce org, on unmodified jsforce 3.10.16.
 *
 * - Login: PKCE loopback (operators) or JWT bearer (unattended), tokens only in the SecretStore.
 * - Refresh: our own `refreshFn` (jsforce's drops rotated refresh tokens, docs/salesforce-wire.md §6.3), single-
 *   flight per client (jsforce's delegate plus our own promise, shared with the token exchange).
 * - Assets: idempotent upsert on the external-ID field (encoded URL, §6.3), Collections batches,
 *   clone check and read-back by SOQL.
 * - Asset tokens: token-exchange grant by raw HTTP (not conn.authorize, §1.5/§6.3) and validation.
 * - Budget: `Sforce-Limit-Info` is read from every response; calls stop at a reserve (ORG_LIMIT).
 */
import crypto from 'node:crypto';
import { Connection, OAuth2, type HttpRequest } from 'jsforce';
import type { OrgStatus, StationConfig } from '../../shared/domain';
import { StationError, type StationErrorShape } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import {
  assetSelectFields,
  buildAssetFields,
  DEFAULT_FIELD_MAP,
  encodeExternalId,
  soqlQuote,
  toRecordFacts,
  validateExternalId,
  type AssetFacts,
  type AssetFieldMap,
  type AssetRecordFacts,
} from './assets';
import {
  buildActorToken,
  validateAssetTokenWith,
  type ActorClaims,
  type UnsignedActorToken,
  type ValidateOptions,
} from './asset-token';
import {
  buildJwtAssertion,
  jwtAudience,
  mapTokenError,
  normaliseLoginUrl,
  parseIdUrl,
  requestToken,
  runPkceLogin,
  type PkceLoginOptions,
  type TokenResponse,
} from './auth';
import { UpsertBatcher, type BatcherOptions, type UpsertOutcome } from './batcher';
import { fromOAuthError, fromSfError, type SfError } from './errors';
import { CountingTransport } from './transport';
import { LookupBatcher, type Lookup, type LookupBatcherOptions } from './lookup-batcher';

type SfConfig = StationConfig['salesforce'];

/** What the SecretStore keeps under SECRET_NAMES.orgAccessToken (JSON). */
interface StoredSession {
  accessToken: string;
  instanceUrl: string;
  orgId: string;
  userId: string;
  username?: string;
  flow: 'pkce' | 'jwt';
  /** The login URL the session was obtained from; a session of another org/login URL is not reused. */
  loginUrl?: string;
}

/** Options common to every way of obtaining an OrgClient. */
export interface OrgClientOptions {
  /** Asset field names for the facts (default: the salesforce/ metadata). */
  fieldMap?: AssetFieldMap;
  /** API calls kept in reserve: calls stop (ORG_LIMIT) when `used >= limit - reserve`. Default 5 % of the limit. */
  apiReserve?: number;
  /** Pinned asset signing certificate or public key (PEM); default: the org's `/id/keys` (docs/salesforce-wire.md §3). */
  assetSigningCertPem?: string;
  /** Site / My Domain URL for the token exchange (docs/salesforce-wire.md §1.2); default the instance URL. */
  assetTokenUrl?: string;
  /** Per-request timeout, ms. Default 60000. */
  requestTimeoutMs?: number;
  /** Extra attempts of idempotent writes (external-ID upserts) after a 5xx/HTML/malformed answer. Default 1. */
  idempotentRetries?: number;
  /** jsforce's automatic retries of GET requests on 420/429/5xx (§6.3). Default 2. */
  getRetries?: number;
}

/** Options of {@link OrgClient.loginWithPkce}. */
export type PkceOptions = Pick<PkceLoginOptions, 'openUrl' | 'timeoutMs' | 'scope' | 'callbackHost'> &
  OrgClientOptions;

/** Options of {@link OrgClient.loginWithJwtBearer}. */
export interface JwtOptions extends OrgClientOptions {
  /** Salesforce username (default config.username). */
  username?: string;
  /** PKCS#8 PEM RSA key; default the SecretStore's SECRET_NAMES.orgJwtKey. */
  privateKeyPem?: string;
}

/** Result of a clone check. */
export interface CloneCheckResult {
  /** The Asset already carrying this device UID (same key), if any. */
  existingAssetId?: string;
  /** True when the UID exists with another key and `reprovision` allowed it (the caller records the override). */
  reprovisioned?: boolean;
}

const GRANT_JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TT_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const MIN_API = 62;
const COLLECTION_MAX = 200; // docs/salesforce-wire.md §4.2
const ID_RE = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

function checkConfig(config: SfConfig): { loginUrl: string } {
  const loginUrl = normaliseLoginUrl(config.loginUrl);
  if (!config.clientId) {
    throw new StationError(
      'ORG_CONFIG',
      'No Salesforce consumer key (clientId) is configured.',
      'Copy the consumer key of the External Client App into salesforce.clientId (docs/salesforce-setup.md).',
    );
  }
  const major = Number(config.apiVersion.split('.')[0]);
  if (!(major >= MIN_API)) {
    throw new StationError(
      'ORG_CONFIG',
      `Salesforce API version ${config.apiVersion} is too old.`,
      `Set salesforce.apiVersion to ${MIN_API}.0 or later.`,
    );
  }
  return { loginUrl };
}

/** The station's client of one org. Create with fromSecrets / loginWithPkce / loginWithJwtBearer. */
export class OrgClient {
  /** HTTP calls made by this client: REST (`/services/data`), token endpoint, other (identity, keys, revoke). */
  readonly stats = { restCalls: 0, tokenCalls: 0, otherCalls: 0 };
  private readonly conn: Connection;
  private readonly transport: CountingTransport;
  private readonly loginUrl: string;
  private readonly fieldMap: AssetFieldMap;
  private refreshing: Promise<string> | undefined;
  private recentRefreshes: number[] = [];
  private lastRefreshError: StationError | undefined;
  private lastAuthError: StationError | undefined;
  private apiUsage: { used: number; limit: number } | undefined;
  private readonly keyCache = new Map<string, crypto.KeyObject>();
  private keysLoading: Promise<void> | undefined;
  private batcherInstance: UpsertBatcher | undefined;
  private lookupInstance: LookupBatcher | undefined;

  private constructor(
    private readonly config: SfConfig,
    private readonly secrets: SecretStore,
    private session: StoredSession,
    private readonly opts: OrgClientOptions,
  ) {
    this.loginUrl = checkConfig(config).loginUrl;
    this.fieldMap = opts.fieldMap ?? DEFAULT_FIELD_MAP;
    this.transport = new CountingTransport(
      (req) => {
        if (req.url.includes('/services/oauth2/token')) this.stats.tokenCalls++;
        else if (req.url.includes('/services/data/')) this.stats.restCalls++;
        else this.stats.otherCalls++;
      },
      (u) => (this.apiUsage = u),
    );
    this.conn = new Connection({
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version: config.apiVersion, // always explicit: jsforce defaults to 50.0 (docs/salesforce-wire.md §6.1)
      oauth2: { loginUrl: this.loginUrl, clientId: config.clientId },
      // Our refreshFn keeps rotated refresh tokens (jsforce's oauthRefreshFn drops them, §6.3).
      refreshFn: (_conn, cb) => {
        this.refreshSession().then(
          (at) => cb(null, at),
          (e: unknown) => cb(e as Error),
        );
      },
    });
  }

  // ------------------------------------------------------------------ construction / login

  /**
   * Opens the org with the tokens in the SecretStore. With `authFlow: 'jwt'` and no session yet, logs
   * in with the JWT bearer flow (key from the SecretStore).
   * @throws StationError ORG_NOT_CONNECTED (PKCE, nobody logged in), ORG_CONFIG, ORG_AUTH
   */
  static async fromSecrets(
    config: SfConfig,
    secrets: SecretStore,
    opts: OrgClientOptions = {},
  ): Promise<OrgClient> {
    const { loginUrl } = checkConfig(config);
    const raw = await secrets.get(SECRET_NAMES.orgAccessToken);
    let session: StoredSession | undefined;
    if (raw) {
      try {
        session = JSON.parse(raw) as StoredSession;
      } catch {
        session = undefined;
      }
    }
    if (session && session.loginUrl !== undefined && session.loginUrl !== loginUrl) session = undefined;
    if (!session?.accessToken || !session.instanceUrl) {
      if (config.authFlow === 'jwt') return OrgClient.loginWithJwtBearer(config, secrets, opts);
      throw new StationError(
        'ORG_NOT_CONNECTED',
        'The station is not logged in to Salesforce.',
        'Log in to the org: asset-station org login, or Connect org in the app.',
      );
    }
    return new OrgClient(config, secrets, session, opts);
  }

  /**
   * Operator login: web-server flow with PKCE, system browser via `openUrl`, loopback callback on
   * `config.callbackPort` (docs/salesforce-wire.md §5.1). Stores the tokens in the SecretStore.
   * @throws StationError ORG_CONFIG / ORG_AUTH / ORG_UNAVAILABLE
   */
  static async loginWithPkce(config: SfConfig, secrets: SecretStore, opts: PkceOptions): Promise<OrgClient> {
    const { loginUrl } = checkConfig(config);
    const clientSecret = await secrets.get(SECRET_NAMES.orgClientSecret);
    let tokenCalls = 0;
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
      },
      () => tokenCalls++,
    );
    if (!tr.refresh_token) {
      throw new StationError(
        'ORG_CONFIG',
        'Salesforce issued no refresh token, so the session would end with the browser session.',
        "Add the 'refresh_token, offline_access' scope to the External Client App (docs/salesforce-setup.md) and log in again.",
      );
    }
    const username = await fetchUsername(tr);
    await secrets.set(SECRET_NAMES.orgRefreshToken, tr.refresh_token);
    const client = await OrgClient.persistNew(config, secrets, tr, 'pkce', username, opts);
    client.stats.tokenCalls += tokenCalls;
    client.stats.otherCalls += 1;
    return client;
  }

  /**
   * Unattended login: JWT bearer flow with an RS256 assertion signed by the station key
   * (docs/salesforce-wire.md §5.3). No refresh token: the client logs in again when the session expires.
   * @throws StationError ORG_CONFIG (no username/key), ORG_AUTH, ORG_UNAVAILABLE
   */
  static async loginWithJwtBearer(
    config: SfConfig,
    secrets: SecretStore,
    opts: JwtOptions = {},
  ): Promise<OrgClient> {
    checkConfig(config);
    const username = opts.username ?? config.username;
    if (!username) {
      throw new StationError(
        'ORG_CONFIG',
        'The JWT bearer flow needs the Salesforce username of the station user.',
        'Set salesforce.username in the station settings.',
      );
    }
    if (opts.privateKeyPem) await secrets.set(SECRET_NAMES.orgJwtKey, opts.privateKeyPem);
    const tr = await jwtLogin(config, secrets, username);
    const client = await OrgClient.persistNew(config, secrets, tr, 'jwt', username, opts);
    client.stats.tokenCalls += 1;
    return client;
  }

  private static async persistNew(
    config: SfConfig,
    secrets: SecretStore,
    tr: TokenResponse,
    flow: 'pkce' | 'jwt',
    username: string | undefined,
    opts: OrgClientOptions,
  ): Promise<OrgClient> {
    const { orgId, userId } = parseIdUrl(tr.id);
    const session: StoredSession = {
      accessToken: tr.access_token,
      instanceUrl: tr.instance_url,
      orgId,
      userId,
      ...(username ? { username } : {}),
      flow,
      loginUrl: normaliseLoginUrl(config.loginUrl),
    };
    await secrets.set(SECRET_NAMES.orgAccessToken, JSON.stringify(session));
    return new OrgClient(config, secrets, session, opts);
  }

  /** Revokes the refresh token (or the access token) and deletes the tokens from the SecretStore. Never throws for a dead token. */
  async logout(): Promise<void> {
    const rt = await this.secrets.get(SECRET_NAMES.orgRefreshToken);
    try {
      this.stats.otherCalls++;
      await new OAuth2({ loginUrl: this.loginUrl, clientId: this.config.clientId }).revokeToken(
        rt ?? this.conn.accessToken ?? '',
      );
    } catch {
      // already revoked or unreachable: the local tokens are deleted anyway (docs/salesforce-wire.md §5.5)
    }
    await this.secrets.delete(SECRET_NAMES.orgRefreshToken);
    await this.secrets.delete(SECRET_NAMES.orgAccessToken);
    this.lastAuthError = new StationError(
      'ORG_NOT_CONNECTED',
      'The station logged out of Salesforce.',
      'Log in to the org again.',
    );
  }

  // ------------------------------------------------------------------ session refresh

  /**
   * Single-flight refresh: concurrent callers share one token call. PKCE sessions use the refresh
   * token and store a rotated one before anything else (docs/salesforce-wire.md §5.2, §6.3); JWT sessions sign a
   * new assertion.
   */
  private refreshSession(): Promise<string> {
    if (!this.refreshing) {
      // Guard against a refresh loop (jsforce retries after every refresh, and refreshes on every 401):
      // an org that refuses fresh sessions must end in an error, not hammer the token endpoint.
      const now = Date.now();
      this.recentRefreshes = this.recentRefreshes.filter((t) => now - t < 10_000);
      if (this.recentRefreshes.length >= 3) {
        const e = new StationError(
          'ORG_AUTH',
          'Salesforce refuses the session right after each refresh (3 refreshes within 10 s).',
          "Check that the user may use the API (profile/permission set 'API Enabled', IP restrictions of the External Client App), then log in again.",
        );
        this.lastRefreshError = e;
        this.lastAuthError = e;
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
      let tr: TokenResponse;
      this.stats.tokenCalls++;
      if (this.session.flow === 'jwt') {
        tr = await jwtLogin(this.config, this.secrets, this.session.username ?? this.config.username ?? '');
      } else {
        const rt = await this.secrets.get(SECRET_NAMES.orgRefreshToken);
        if (!rt)
          throw new StationError(
            'ORG_AUTH',
            'The Salesforce session expired and no refresh token is stored.',
            'Log in to the org again.',
          );
        const clientSecret = await this.secrets.get(SECRET_NAMES.orgClientSecret);
        // A fresh OAuth2 without useVerifier: jsforce would add code_verifier to every grant (§6.2).
        const oauth2 = new OAuth2({
          loginUrl: this.loginUrl,
          clientId: this.config.clientId,
          ...(clientSecret ? { clientSecret } : {}),
        });
        tr = await requestToken(
          oauth2,
          { grant_type: 'refresh_token', refresh_token: rt },
          'refresh the Salesforce session',
        );
        // docs/salesforce-wire.md §6.3 rotation bug: keep the rotated refresh token (the old one is now retired)
        if (tr.refresh_token && tr.refresh_token !== rt)
          await this.secrets.set(SECRET_NAMES.orgRefreshToken, tr.refresh_token);
      }
      this.session = { ...this.session, accessToken: tr.access_token, instanceUrl: tr.instance_url };
      await this.secrets.set(SECRET_NAMES.orgAccessToken, JSON.stringify(this.session));
      this.conn.instanceUrl = tr.instance_url;
      this.conn.accessToken = tr.access_token;
      this.lastRefreshError = undefined;
      this.lastAuthError = undefined;
      return tr.access_token;
    } catch (e) {
      const se = e instanceof StationError ? e : mapTokenError(e, 'refresh the Salesforce session');
      this.lastRefreshError = se;
      if (se.code === 'ORG_AUTH' || se.code === 'ORG_CONFIG') this.lastAuthError = se;
      throw se;
    }
  }

  // ------------------------------------------------------------------ REST plumbing

  private checkBudget(doing: string): void {
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

  /** One REST call through jsforce (refresh-on-401 included); errors mapped to StationError. */
  private async rest<T>(req: HttpRequest, doing: string, idempotentWrite = false): Promise<T> {
    const attempts = 1 + (idempotentWrite ? (this.opts.idempotentRetries ?? 1) : 0);
    for (let attempt = 1; ; attempt++) {
      this.checkBudget(doing);
      try {
        const res = await this.conn.request<T>(req, {
          transport: this.transport,
          timeout: this.opts.requestTimeoutMs ?? 60_000,
          retry: { maxRetries: this.opts.getRetries ?? 2, minTimeout: 300 },
        });
        if (typeof res === 'string') {
          // jsforce returns the raw text when a JSON body does not parse (http-api.ts parseResponseBody)
          throw new StationError(
            'ORG_UNAVAILABLE',
            `Salesforce answered the request to ${doing} with a malformed response (not JSON).`,
            'Retry; the request is keyed by the device external ID, so a retry never creates a second Asset. If it persists, check for a proxy between the station and Salesforce.',
            { retrySafe: idempotentWrite },
          );
        }
        this.lastAuthError = undefined;
        return res;
      } catch (e) {
        const se = this.mapError(e, doing);
        if (se.code === 'ORG_AUTH') this.lastAuthError = se;
        if (se.code === 'ORG_UNAVAILABLE' && attempt < attempts) {
          await new Promise((r) => setTimeout(r, 300 * attempt));
          continue;
        }
        throw se;
      }
    }
  }

  /** Maps anything jsforce throws to a StationError (by errorCode/status, never by localised text). */
  private mapError(e: unknown, doing: string): StationError {
    if (e instanceof StationError) return e;
    const err = e as { name?: string; errorCode?: string; message?: string; data?: unknown; code?: string };
    // jsforce wraps refresh failures as Error("Unable to refresh session due to: …") (session-refresh-delegate.ts)
    if (
      this.lastRefreshError &&
      typeof err.message === 'string' &&
      err.message.startsWith('Unable to refresh session')
    ) {
      return this.lastRefreshError;
    }
    if (typeof err.errorCode === 'string') {
      if (err.errorCode === 'MULTIPLE_CHOICES') {
        const urls = Array.isArray(err.data) ? (err.data as unknown[]).map(String) : [];
        return new StationError(
          'ORG_DUPLICATE',
          `Salesforce found ${urls.length || 'several'} Assets with this device's external ID (HTTP 300), so it cannot tell which to ${doing.replace(/^upsert/, 'update')}.`,
          'Merge or delete the duplicate Assets in Salesforce (see details.assetIds) so that exactly one carries the device UID, then retry; nothing was changed.',
          { assetIds: urls.map((u) => u.split('/').pop()) },
        );
      }
      if (err.errorCode === 'MULTIPLE_API_ERRORS' && Array.isArray(err.data) && err.data.length > 0) {
        return fromSfError(err.data[0] as SfError, doing);
      }
      const http = /^ERROR_HTTP_(\d{3})$/.exec(err.errorCode);
      if (http) {
        const status = Number(http[1]);
        const body = typeof err.data === 'string' ? err.data : String(err.message ?? '');
        if (/<html|<!doctype/i.test(body) || /html content/i.test(String(err.message))) {
          return new StationError(
            'ORG_UNAVAILABLE',
            `Salesforce answered the request to ${doing} with an HTML page (HTTP ${status}) instead of an API response.`,
            'The org may be down for maintenance or a proxy is interfering: check https://status.salesforce.com and the network, then retry.',
            { status },
          );
        }
        return fromSfError({ errorCode: err.errorCode }, doing, status);
      }
      return fromSfError({ errorCode: err.errorCode, message: err.message ?? '' }, doing);
    }
    if (err.name === 'FetchError' || err.name === 'AbortError' || typeof err.code === 'string') {
      return new StationError(
        'ORG_UNAVAILABLE',
        `Could not reach Salesforce to ${doing}: ${err.message ?? err.name}.`,
        'Check the network connection and the instance URL, then retry.',
      );
    }
    return new StationError(
      'ORG_UNAVAILABLE',
      `The request to ${doing} failed: ${err.message ?? String(e)}.`,
      'Retry; if it persists, check the network and the org.',
    );
  }

  private get ext(): string {
    return this.config.externalIdField;
  }

  /** Runs a SOQL query and follows `nextRecordsUrl` while `done` is false (docs/salesforce-wire.md §4.2). */
  private async query(soql: string, doing: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
    for (let page = 0; url && page < 50; page++) {
      const res: { records?: unknown; done?: unknown; nextRecordsUrl?: unknown } | undefined =
        await this.rest<{
          records?: unknown;
          done?: unknown;
          nextRecordsUrl?: unknown;
        }>({ method: 'GET', url }, doing);
      if (!res || typeof res !== 'object' || !Array.isArray(res.records)) {
        throw new StationError(
          'ORG_UNAVAILABLE',
          `Salesforce answered the query to ${doing} with an unexpected body.`,
          'Retry; if it persists, check for a proxy between the station and Salesforce.',
        );
      }
      out.push(...(res.records as Array<Record<string, unknown>>));
      url = res.done === false && typeof res.nextRecordsUrl === 'string' ? res.nextRecordsUrl : undefined;
    }
    return out;
  }

  // ------------------------------------------------------------------ Assets

  /**
   * Upserts the device's Asset on the external-ID field (`PATCH /sobjects/Asset/{ext}/{encoded uid}`,
   * docs/salesforce-wire.md §4.2): 201 → created, 200 → updated. Safe to retry.
   * @throws StationError ORG_CONFIG (no Account/Contact, missing fields), ORG_DUPLICATE (300, DUPLICATE_VALUE),
   *   ORG_REJECTED, ORG_AUTH, ORG_LIMIT, ORG_UNAVAILABLE, BAD_REQUEST (bad UID)
   */
  async upsertAsset(facts: AssetFacts): Promise<{ id: string; created: boolean }> {
    const fields = buildAssetFields(this.config, facts, this.fieldMap);
    const doing = `upsert the Asset of device ${facts.deviceUid}`;
    const res = await this.rest<{ id?: unknown; created?: unknown; success?: unknown } | undefined>(
      {
        method: 'PATCH',
        url: `/sobjects/Asset/${this.ext}/${encodeExternalId(facts.deviceUid)}`,
        body: JSON.stringify(fields),
        headers: { 'content-type': 'application/json' },
      },
      doing,
      true,
    );
    if (res && typeof res.id === 'string' && ID_RE.test(res.id))
      return { id: res.id, created: res.created === true };
    // Older API versions answer an update with 204 and no body [S] (docs/salesforce-wire.md §4.2): read it back.
    const found = await this.findAssetByUid(facts.deviceUid);
    if (!found)
      throw new StationError(
        'ORG_UNAVAILABLE',
        `Salesforce accepted the upsert of device ${facts.deviceUid} but the Asset cannot be read back.`,
        'Retry the job; the upsert is idempotent.',
      );
    return { id: found.id, created: false };
  }

  /**
   * Upserts several devices' Assets with sObject Collections (`PATCH /composite/sobjects/Asset/{ext}`,
   * ≤200 per call, allOrNone false; docs/salesforce-wire.md §4.2). Returns one outcome per input, in order;
   * per-record errors are read from `statusCode` or `errorCode`.
   */
  async upsertAssets(all: AssetFacts[]): Promise<UpsertOutcome[]> {
    const out: UpsertOutcome[] = new Array(all.length);
    const valid: Array<{ i: number; rec: Record<string, string> }> = [];
    all.forEach((facts, i) => {
      try {
        const fields = buildAssetFields(this.config, facts, this.fieldMap);
        valid.push({
          i,
          rec: { attributes: { type: 'Asset' }, [this.ext]: facts.deviceUid, ...fields } as unknown as Record<
            string,
            string
          >,
        });
      } catch (e) {
        out[i] = { ok: false, error: e instanceof StationError ? e : this.mapError(e, 'prepare the Asset') };
      }
    });
    for (let start = 0; start < valid.length; start += COLLECTION_MAX) {
      const chunk = valid.slice(start, start + COLLECTION_MAX);
      const doing = `upsert ${chunk.length} Assets`;
      try {
        const res = await this.rest<unknown>(
          {
            method: 'PATCH',
            url: `/composite/sobjects/Asset/${this.ext}`,
            body: JSON.stringify({ allOrNone: false, records: chunk.map((c) => c.rec) }),
            headers: { 'content-type': 'application/json' },
          },
          doing,
          true,
        );
        if (!Array.isArray(res) || res.length !== chunk.length) {
          throw new StationError(
            'ORG_UNAVAILABLE',
            `Salesforce answered the request to ${doing} with an unexpected body.`,
            'Retry; the upserts are keyed by external ID, so a retry never duplicates an Asset.',
          );
        }
        chunk.forEach((c, k) => {
          const r = res[k] as { id?: string; success?: boolean; created?: boolean; errors?: SfError[] };
          const uid = all[c.i]!.deviceUid;
          if (r?.success && typeof r.id === 'string')
            out[c.i] = { ok: true, id: r.id, created: r.created === true };
          else
            out[c.i] = {
              ok: false,
              error: fromSfError(
                r?.errors?.[0] ?? { errorCode: 'UNKNOWN' },
                `upsert the Asset of device ${uid}`,
              ),
            };
        });
      } catch (e) {
        const se = e instanceof StationError ? e : this.mapError(e, doing);
        for (const c of chunk) out[c.i] = { ok: false, error: se };
      }
    }
    return out;
  }

  /**
   * The batcher of this client: upserts from several bays within `windowMs` go in one Collections call.
   * Created on first use with `opts`.
   */
  batcher(opts: BatcherOptions = {}): UpsertBatcher {
    this.batcherInstance ??= new UpsertBatcher(
      (f) => this.upsertAssets(f),
      (f) => this.upsertAsset(f),
      opts,
    );
    return this.batcherInstance;
  }

  /**
   * Clone and duplicate check before signing (one SOQL query): the same public-key fingerprint under
   * another UID → CLONE_SUSPECTED; the same UID with another key → REPROVISION_REQUIRED unless
   * `reprovision` (then `reprovisioned: true`; the caller records the admin override).
   * @returns the existing Asset of this UID, if any.
   * @throws StationError CLONE_SUSPECTED, REPROVISION_REQUIRED, ORG_DUPLICATE (several Assets with the UID), ORG_* of the query
   */
  async checkClone(a: {
    deviceUid: string;
    keyFingerprint: string;
    reprovision?: boolean;
  }): Promise<CloneCheckResult> {
    checkCloneInput(a);
    return this.judgeClone(
      a,
      await this.lookupAssets([{ uid: a.deviceUid, keyFingerprint: a.keyFingerprint }]),
    );
  }

  /**
   * Reads the device's Asset by external ID (SOQL). Undefined when none.
   * @throws StationError ORG_DUPLICATE when several Assets carry the UID
   */
  async findAssetByUid(uid: string): Promise<AssetRecordFacts | undefined> {
    validateExternalId(uid);
    return this.judgeFind(uid, await this.lookupAssets([{ uid }]));
  }

  /**
   * checkClone and findAssetByUid for several bays at once: look-ups within `windowMs` share one
   * SOQL query (docs/salesforce-wire.md §4.2 query; OR of the UIDs and fingerprints). Created on first use.
   */
  lookups(opts: LookupBatcherOptions = {}): {
    checkClone: OrgClient['checkClone'];
    findAssetByUid: OrgClient['findAssetByUid'];
  } {
    this.lookupInstance ??= new LookupBatcher(
      (l) => this.lookupAssets(l),
      this.ext,
      this.fieldMap.keyFingerprint,
      opts,
    );
    const b = this.lookupInstance;
    return {
      checkClone: async (a) => {
        checkCloneInput(a);
        return this.judgeClone(a, await b.lookup({ uid: a.deviceUid, keyFingerprint: a.keyFingerprint }));
      },
      findAssetByUid: async (uid) => {
        validateExternalId(uid);
        return this.judgeFind(uid, await b.lookup({ uid }));
      },
    };
  }

  /** One query for the Assets matching any of the look-ups' UIDs or key fingerprints. */
  private async lookupAssets(lookups: Lookup[]): Promise<Array<Record<string, unknown>>> {
    const kf = this.fieldMap.keyFingerprint;
    const conds = new Set<string>();
    for (const l of lookups) {
      conds.add(`${this.ext} = ${soqlQuote(l.uid)}`);
      if (l.keyFingerprint) conds.add(`${kf} = ${soqlQuote(l.keyFingerprint)}`);
    }
    const what =
      lookups.length === 1
        ? `look up the Asset of device ${lookups[0]!.uid}`
        : `look up the Assets of ${lookups.length} devices`;
    return this.query(
      `SELECT ${assetSelectFields(this.ext, this.fieldMap).join(', ')} FROM Asset WHERE ${[...conds].join(' OR ')} LIMIT ${Math.min(2000, 50 * lookups.length)}`,
      what,
    );
  }

  private judgeClone(
    a: { deviceUid: string; keyFingerprint: string; reprovision?: boolean },
    recs: Array<Record<string, unknown>>,
  ): CloneCheckResult {
    const kf = this.fieldMap.keyFingerprint;
    const clone = recs.find((r) => r[kf] === a.keyFingerprint && r[this.ext] !== a.deviceUid);
    if (clone) {
      throw new StationError(
        'CLONE_SUSPECTED',
        `The device's public key is already registered to another device (UID ${String(clone[this.ext])}, Asset ${String(clone.Id)}): this device may be a clone.`,
        'Set the device aside and report it to security; do not provision it.',
        { reason: 'key-under-other-uid', otherAssetId: clone.Id, otherUid: clone[this.ext] },
      );
    }
    const own = recs.filter((r) => r[this.ext] === a.deviceUid);
    if (own.length > 1) {
      throw new StationError(
        'ORG_DUPLICATE',
        `${own.length} Assets carry device UID ${a.deviceUid}.`,
        'Merge or delete the duplicates in Salesforce so one Asset remains, then retry.',
        { assetIds: own.map((r) => r.Id) },
      );
    }
    const mine = own[0];
    if (mine && typeof mine[kf] === 'string' && mine[kf] !== '' && mine[kf] !== a.keyFingerprint) {
      if (!a.reprovision) {
        throw new StationError(
          'REPROVISION_REQUIRED', // as the station CA for the same case (pki/ca.ts)
          `Device ${a.deviceUid} is already registered (Asset ${String(mine.Id)}) with a different key: either it was re-keyed or another device uses its UID.`,
          'If this device was deliberately reset, an admin can re-provision it (the override is recorded); otherwise set it aside and report it.',
          { reason: 'uid-has-other-key', existingAssetId: mine.Id },
        );
      }
      return { existingAssetId: String(mine.Id), reprovisioned: true };
    }
    return mine ? { existingAssetId: String(mine.Id) } : {};
  }

  private judgeFind(uid: string, recs: Array<Record<string, unknown>>): AssetRecordFacts | undefined {
    const own = recs.filter((r) => r[this.ext] === uid);
    if (own.length > 1) {
      throw new StationError(
        'ORG_DUPLICATE',
        `Several Assets carry device UID ${uid}.`,
        'Merge or delete the duplicates in Salesforce so one Asset remains, then retry.',
        { assetIds: own.map((r) => r.Id) },
      );
    }
    return own[0] ? toRecordFacts(own[0], this.ext, this.fieldMap) : undefined;
  }

  // ------------------------------------------------------------------ asset tokens

  /** Builds the actor token for the device to sign (see asset-token.ts). */
  buildActorToken(claims: ActorClaims): UnsignedActorToken {
    return buildActorToken(claims);
  }

  /**
   * Exchanges the device-signed actor token for an asset token: `POST /services/oauth2/token` with the
   * token-exchange grant, subject = this session's access token (docs/salesforce-wire.md §1.2, §1.5). Not through
   * conn.authorize (the response has no `id`, §6.3). On `invalid_grant` the session is refreshed once
   * and the exchange retried (the subject token may have expired [U]).
   * @returns the asset token (call validateAssetToken), its unverified claims and lifetime (s).
   * @throws StationError ASSET_TOKEN_REJECTED, ORG_CONFIG (flow not enabled), ORG_UNAVAILABLE
   */
  async exchangeAssetToken(
    actorToken: string,
  ): Promise<{ assetToken: string; claims: Record<string, unknown>; expiresIn: number }> {
    const base = (this.opts.assetTokenUrl ?? this.session.instanceUrl).replace(/\/+$/, '');
    for (let attempt = 1; ; attempt++) {
      const body = new URLSearchParams({
        grant_type: GRANT_EXCHANGE,
        subject_token_type: TT_ACCESS,
        subject_token: this.conn.accessToken ?? '',
        actor_token_type: TT_JWT,
        actor_token: actorToken,
      });
      this.stats.tokenCalls++;
      let status: number;
      let text: string;
      try {
        const res = await fetch(`${base}/services/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 60_000),
        });
        status = res.status;
        text = await res.text();
      } catch (e) {
        throw new StationError(
          'ORG_UNAVAILABLE',
          `Could not reach Salesforce to exchange the asset token: ${(e as Error).message}.`,
          'Check the network and retry the asset-token step.',
        );
      }
      let json: Record<string, unknown> | undefined;
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
          json = parsed as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      if (status >= 500 || !json) {
        throw new StationError(
          'ORG_UNAVAILABLE',
          `Salesforce answered the asset-token exchange with ${json ? `HTTP ${status}` : `a non-JSON body (HTTP ${status})`}.`,
          'Check https://status.salesforce.com and the network, then retry the asset-token step.',
          { status },
        );
      }
      if (status >= 400) {
        const error = String(json.error ?? `ERROR_HTTP_${status}`);
        const description = String(json.error_description ?? '');
        if (error === 'invalid_grant' && attempt === 1) {
          await this.refreshSession();
          continue;
        }
        if (['unsupported_grant_type', 'invalid_client', 'unauthorized_client'].includes(error)) {
          throw fromOAuthError(
            error,
            description,
            'issue an asset token (is "Enable Asset Tokens" on for the External Client App?)',
          );
        }
        throw new StationError(
          'ASSET_TOKEN_REJECTED',
          `Salesforce refused to issue an asset token: ${error}${description ? ` (${description})` : ''}.`,
          'Check the asset-token settings of the External Client App (audiences, signing certificate) and that the device signed the actor token with its RSA key; then retry the asset-token step.',
          { oauthError: error },
        );
      }
      if (typeof json.access_token !== 'string') {
        throw new StationError(
          'ORG_UNAVAILABLE',
          'The asset-token response carries no token.',
          'Retry the asset-token step.',
        );
      }
      const claims = decodeClaims(json.access_token);
      return {
        assetToken: json.access_token,
        claims,
        expiresIn: typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 0),
      };
    }
  }

  /**
   * Validates an asset token (docs/salesforce-wire.md §3): RS256 signature against the pinned signing certificate
   * (`assetSigningCertPem`) or the org's `/id/keys` by `kid`; `aud` contains `audience`; `nbf`/`exp` with skew.
   * @throws StationError ASSET_TOKEN_INVALID
   */
  async validateAssetToken(token: string, o: ValidateOptions): Promise<Record<string, unknown>> {
    return validateAssetTokenWith(token, (kid) => this.signingKey(kid), o);
  }

  private async signingKey(kid: string | undefined): Promise<crypto.KeyObject | undefined> {
    if (this.opts.assetSigningCertPem) {
      try {
        return crypto.createPublicKey(this.opts.assetSigningCertPem);
      } catch {
        throw new StationError(
          'ORG_CONFIG',
          'The configured asset signing certificate is not a readable PEM certificate or public key.',
          'Export the asset signing certificate from Setup > Certificate and Key Management again.',
        );
      }
    }
    const k = kid ?? '';
    if (!this.keyCache.has(k)) {
      // single-flight: concurrent validations share one /id/keys fetch
      this.keysLoading ??= this.loadKeys().finally(() => {
        this.keysLoading = undefined;
      });
      await this.keysLoading;
    }
    return (
      this.keyCache.get(k) ??
      (kid === undefined && this.keyCache.size === 1 ? [...this.keyCache.values()][0] : undefined)
    );
  }

  private async loadKeys(): Promise<void> {
    this.stats.otherCalls++;
    let jwks: { keys?: Array<crypto.JsonWebKey & { kid?: string }> };
    try {
      const res = await fetch(`${this.session.instanceUrl.replace(/\/+$/, '')}/id/keys`, {
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 60_000),
      });
      jwks = (await res.json()) as typeof jwks;
    } catch (e) {
      throw new StationError(
        'ORG_UNAVAILABLE',
        `Could not read the org's signing keys (/id/keys): ${(e as Error).message}.`,
        'Check the network, or pin the asset signing certificate in the station settings.',
      );
    }
    for (const jwk of jwks.keys ?? []) {
      if (jwk.kty !== 'RSA') continue;
      try {
        this.keyCache.set(
          jwk.kid ?? '',
          crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, format: 'jwk' }),
        );
      } catch {
        // skip unusable keys
      }
    }
  }

  // ------------------------------------------------------------------ status

  /** Connection status for the UI (OrgStatus), incl. `apiUsage` from the last `Sforce-Limit-Info`. */
  status(): OrgStatus {
    const err: StationErrorShape | undefined = this.lastAuthError?.toShape();
    return {
      connected: !this.lastAuthError,
      instanceUrl: this.session.instanceUrl,
      ...(this.session.username ? { username: this.session.username } : {}),
      orgId: this.session.orgId,
      ...(this.apiUsage ? { apiUsage: { ...this.apiUsage } } : {}),
      ...(err ? { error: err } : {}),
    };
  }

  /** Makes one cheap REST call (the versioned resource list) to check the session and read API usage. */
  async ping(): Promise<OrgStatus> {
    await this.rest<unknown>({ method: 'GET', url: '/' }, 'check the Salesforce connection');
    return this.status();
  }
}

function checkCloneInput(a: { deviceUid: string; keyFingerprint: string }): void {
  validateExternalId(a.deviceUid);
  if (!/^[0-9a-f]{64}$/.test(a.keyFingerprint)) {
    throw new StationError(
      'BAD_REQUEST',
      `'${a.keyFingerprint}' is not a SHA-256 key fingerprint (64 lowercase hex characters).`,
      'This is a station bug: report it with the job journal.',
    );
  }
}

async function jwtLogin(config: SfConfig, secrets: SecretStore, username: string): Promise<TokenResponse> {
  const loginUrl = normaliseLoginUrl(config.loginUrl);
  const pem = await secrets.get(SECRET_NAMES.orgJwtKey);
  if (!pem) {
    throw new StationError(
      'SECRET_MISSING',
      `No JWT bearer private key is stored (${SECRET_NAMES.orgJwtKey}).`,
      'Store the station private key whose certificate is uploaded to the External Client App: asset-station org login --jwt (see docs/salesforce-setup.md).',
    );
  }
  const assertion = buildJwtAssertion({
    clientId: config.clientId,
    username,
    audience: jwtAudience(loginUrl),
    privateKeyPem: pem,
  });
  // jsforce has no JWT helper (docs/salesforce-wire.md §6.2): a generic requestToken grant.
  const oauth2 = new OAuth2({ loginUrl, clientId: config.clientId });
  return requestToken(oauth2, { grant_type: GRANT_JWT, assertion }, 'log in with the JWT bearer flow');
}

async function fetchUsername(tr: TokenResponse): Promise<string | undefined> {
  // The identity URL (docs/salesforce-wire.md §5.5): GET with the bearer token; jsforce's identity() does the same.
  try {
    const res = await fetch(tr.id, {
      headers: { authorization: `Bearer ${tr.access_token}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) return undefined;
    const doc = (await res.json()) as { username?: unknown };
    return typeof doc.username === 'string' ? doc.username : undefined;
  } catch {
    return undefined;
  }
}

function decodeClaims(jwt: string): Record<string, unknown> {
  try {
    const p = jwt.split('.')[1] ?? '';
    const v = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
