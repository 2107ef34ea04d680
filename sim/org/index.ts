/**
 * Salesforce org emulator: a standalone HTTP server on 127.0.0.1 implementing the "Emulator contract"
 * of docs/salesforce-wire.md §8 — OAuth (authorize page, code + PKCE, refresh with rotation, JWT bearer, the
 * asset-token exchange, revoke, userinfo/identity, `/id/keys`) and REST under `/services/data/vNN.N`
 * (sObjects, external-ID upsert, SOQL subset, Collections, Composite) with `Sforce-Limit-Info` and a
 * daily limit, fault switches, and persistence under a home folder.
 *
 * Emulator-only endpoints (not Salesforce): `GET /emulator/asset-token-events`, `GET /emulator/assets`,
 * `GET|POST /emulator/faults`, `POST /emulator/expire-sessions`, `GET /emulator/info`.
 *
 * The pieces: server.ts (HTTP server and routing) over oauth-routes.ts, rest-routes.ts and
 * emulator-routes.ts; oauth.ts and rest.ts (the logic); store.ts (data and persistence); faults.ts;
 * state.ts (what the routes share, incl. the daily API counter).
 */
import crypto from 'node:crypto';
import { defaultFaults, type OrgFaults } from './faults';
import { OAuthServer } from './oauth';
import { listenOrgServer } from './server';
import { ApiUsage, type EmulatorState } from './state';
import { BulkJobs } from './bulk-jobs';
import { newId, type Rec, type TokenEvent } from './org-data';
import { OrgStore } from './store';
import { KEY_PREFIX, type SObjectType } from './schema';

export { defaultFaults, type OrgFaults } from './faults';
export type { TokenEvent, Rec, SObjectType };

/** Options of {@link startOrgEmulator}. */
export interface OrgEmulatorOptions {
  /** Folder to persist data in (`org-emulator.json`); in memory when absent. */
  home?: string;
  /** TCP port on 127.0.0.1; 0 or absent → any free port. */
  port?: number;
  /**
   * An org that has not deployed the issue-18 identity metadata (Key_Fingerprint__c not unique, no
   * Key_Change_Approved__c and no validation rule): the station keeps its SOQL clone check for it.
   */
  legacyAssetMetadata?: boolean;
  /** Initial `faults.latencyMs`. */
  latencyMs?: number;
  /** Daily API request limit (`Sforce-Limit-Info` denominator). Default 100000 (docs/salesforce-wire.md §4.3). */
  dailyLimit?: number;
  /** Refresh-token rotation on (docs/salesforce-wire.md §5.2). Default true (enforced since 2026). */
  rotation?: boolean;
  /** `aud` of issued asset tokens (assetTokenAudiences, docs/salesforce-wire.md §2). Default `https://asset-station.invalid/devices`. */
  assetAudience?: string | string[];
  /** Asset token lifetime, seconds (assetTokenValidity). Default 300. */
  assetTokenValiditySec?: number;
  /** `kid` of issued asset tokens (signing certificate name, docs/salesforce-wire.md §1.6). Default `Assets`. */
  assetSigningCertName?: string;
  /** Certificate (or public key) PEM the JWT bearer assertions are checked against (docs/salesforce-wire.md §5.3). */
  jwtBearerCertPem?: string;
  /** Fixed consumer key; default generated once per home. */
  clientId?: string;
  /** Registered callback URLs (exact match); default: any http loopback URL. */
  callbackUrls?: string[];
  /** Approve the authorize request without a page. Default true. */
  autoApprove?: boolean;
  /** Access-token lifetime, ms. Default 2 h. */
  sessionTtlMs?: number;
  /**
   * The URL clients reach the emulator at when something sits in front of it (a reverse proxy in the
   * adversarial suite): the instance URL, identity URLs and asset tokens' `iss` then name it. Default:
   * the emulator's own `http://127.0.0.1:<port>`.
   */
  publicUrl?: string;
  /** Count /services/oauth2/token calls against the daily limit (unknown in Salesforce, docs/salesforce-wire.md §4.3). Default false. */
  countTokenCalls?: boolean;
}

/** A running emulator. */
export interface OrgEmulator {
  baseUrl: string;
  port: number;
  clientId: string;
  /** Access token of the seeded admin user. */
  accessToken: string;
  orgId: string;
  adminUsername: string;
  adminUserId: string;
  /** The seeded Account for Assets ("Acme Devices Ltd"). */
  defaultAccountId: string;
  /** A seeded Contact of that Account. */
  defaultContactId: string;
  /** Seeded Product2 Ids by ProductCode (`AS-SENSOR-1`, `AS-GATEWAY-1`). */
  productIds: Record<string, string>;
  /** Asset signing public key (SPKI PEM), for stations that pin it instead of reading /id/keys. */
  assetSigningKeyPem: string;
  faults: OrgFaults;
  /** All Asset records. */
  assets(): Rec[];
  /** The AssetTokenEvent-like log (docs/salesforce-wire.md §1.8). */
  tokenEvents(): TokenEvent[];
  /**
   * All records of an sObject type (e.g. `Asset_Identity_Alert__c` written by the org-side asset-token
   * check, `Station_Audit_Entry__c` / `Station_Chain_Head__c` sent by stations).
   */
  records(type: SObjectType): Rec[];
  /** Counters: REST calls counted against the limit, token calls by grant type. */
  stats(): { apiUsed: number; dailyLimit: number; tokenCalls: Record<string, number> };
  /** Expires every access token now (refresh tokens stay valid). */
  expireSessions(): void;
  /**
   * Revokes every refresh token and the sessions they minted (an admin's "Revoke" of the app's OAuth usage):
   * an operator's login can then no longer be renewed. Also `POST /emulator/revoke-refresh-tokens`.
   */
  revokeRefreshTokens(): void;
  /** Sets the daily API usage counter (e.g. to the limit, to exhaust it). */
  setApiUsage(used: number): void;
  /**
   * Adds a user of the org (e.g. a field installer) and returns its Id and a live access token; the
   * user can also log in through the authorize endpoint with `login_hint=<username>`.
   */
  addUser(u: { username: string; name: string; email?: string }): { userId: string; accessToken: string };
  /** Inserts an Asset bypassing uniqueness (legacy data), e.g. to produce a 300 on upsert. */
  seedAsset(fields: Record<string, unknown>): Rec;
  stop(): Promise<void>;
}

/** Starts the emulator. Resolves once it listens. @throws Error when the port cannot be bound */
export async function startOrgEmulator(opts: OrgEmulatorOptions = {}): Promise<OrgEmulator> {
  const store = OrgStore.open(opts.home, opts.clientId);
  store.legacyIdentity = opts.legacyAssetMetadata ?? false;
  const faults = defaultFaults(opts.latencyMs ?? 0);
  const usage = new ApiUsage(store, opts.dailyLimit ?? 100_000);
  let baseUrl = '';
  const oauth = new OAuthServer(
    store,
    () => baseUrl,
    {
      rotation: opts.rotation ?? true,
      sessionTtlMs: opts.sessionTtlMs ?? 2 * 3600_000,
      assetAudience: Array.isArray(opts.assetAudience)
        ? opts.assetAudience
        : [opts.assetAudience ?? 'https://asset-station.invalid/devices'],
      assetTokenValiditySec: opts.assetTokenValiditySec ?? 300,
      assetSigningCertName: opts.assetSigningCertName ?? 'Assets',
      ...(opts.jwtBearerCertPem ? { jwtBearerKey: crypto.createPublicKey(opts.jwtBearerCertPem) } : {}),
      ...(opts.callbackUrls ? { callbackUrls: opts.callbackUrls } : {}),
      autoApprove: opts.autoApprove ?? true,
    },
    faults,
  );
  const adminId = store.data.adminUserId;
  const accounts = store.list('Account');
  let accessToken = '';
  const info = () => ({
    baseUrl,
    clientId: store.data.clientId,
    accessToken,
    orgId: store.data.orgId,
    adminUsername: store.data.users[adminId]!.Username,
    defaultAccountId: accounts[0]!.Id,
  });
  const state: EmulatorState = {
    store,
    oauth,
    faults,
    usage,
    bulk: new BulkJobs(),
    countTokenCalls: opts.countTokenCalls ?? false,
    baseUrl: () => baseUrl,
    info,
  };
  const server = await listenOrgServer(state, opts.port ?? 0, (url) => (baseUrl = opts.publicUrl ?? url));
  // The seeded admin's session: reuse a live one across restarts, else mint one.
  const live = Object.entries(store.data.sessions).find(
    ([, s]) => s.userId === adminId && !s.family && s.expiresAt > Date.now() + 60_000,
  );
  accessToken = live ? live[0] : oauth.mintSession(adminId);
  return {
    ...info(),
    port: server.port,
    adminUserId: adminId,
    defaultContactId: store.list('Contact')[0]!.Id,
    productIds: Object.fromEntries(store.list('Product2').map((p) => [String(p.ProductCode), p.Id])),
    assetSigningKeyPem: oauth.assetPublicKeyPem(),
    faults,
    assets: () => structuredClone(store.list('Asset')),
    tokenEvents: () => structuredClone(store.data.tokenEvents),
    records: (type) => structuredClone(store.list(type)),
    stats: () => ({
      apiUsed: usage.used,
      dailyLimit: usage.dailyLimit,
      tokenCalls: { ...oauth.grantCounts },
    }),
    expireSessions: () => oauth.expireSessions(),
    revokeRefreshTokens: () => oauth.revokeRefreshTokens(),
    setApiUsage: (used: number) => usage.set(used),
    addUser: (u) => {
      const id = newId(KEY_PREFIX.User);
      store.data.users[id] = { Id: id, Username: u.username, Name: u.name, Email: u.email ?? '' };
      store.save();
      return { userId: id, accessToken: oauth.mintSession(id) };
    },
    seedAsset: (fields) => {
      const rec = store.create('Asset', fields, { skipUnique: true });
      store.save();
      return rec;
    },
    stop: () => server.stop(),
  };
}
