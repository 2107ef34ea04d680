/**
 * OrgClient: the station's connection to one Salesforce org, on unmodified jsforce 3.10.16
 * (docs/salesforce-wire.md §6). A façade without logic of its own over the pieces:
 * - session.ts (stored session, refresh, logout, status, API budget) obtained through connect.ts;
 * - rest.ts (REST calls and queries of the session);
 * - asset-records.ts (upsert, look-ups, clone check; coalesced across bays by asset-batching.ts);
 * - asset-token-exchange.ts (exchange and validation of asset tokens, with the org key cache).
 */
import type { OrgStatus } from '../../shared/domain';
import type { SecretStore } from '../secrets';
import type { AssetFacts, AssetRecordFacts } from './assets';
import type { CloneCheckInput, CloneCheckResult } from './asset-lookup';
import type { UpsertBatcher, UpsertOutcome, UpsertResult } from './asset-batching';
import { AssetRecords, type AssetLookups, type AssetRecordOptions } from './asset-records';
import {
  buildActorToken,
  type ActorClaims,
  type UnsignedActorToken,
  type ValidateOptions,
} from './asset-token';
import { AssetTokens, type AssetTokenOptions, type IssuedAssetToken } from './asset-token-exchange';
import type { CoalescerOptions } from './coalescer';
import type { OrgIdentityRules } from './identity-rules';
import * as connect from './connect';
import { RestApi, type RestOptions } from './rest';
import type { OrgSession, SessionOptions } from './session';
import type { CallStats } from './transport';

type SfConfig = OrgSession['config'];

/** Options common to every way of obtaining an OrgClient: those of each piece. */
export type OrgClientOptions = SessionOptions & RestOptions & AssetRecordOptions & AssetTokenOptions;

/** Options of {@link OrgClient.loginWithPkce}. */
export type PkceOptions = connect.PkceBrowserOptions & OrgClientOptions;

/** Options of {@link OrgClient.loginWithJwtBearer}. */
export type JwtOptions = connect.JwtLoginOptions & OrgClientOptions;

/** The station's client of one org. Create with fromSecrets / loginWithPkce / loginWithJwtBearer. */
export class OrgClient {
  /** REST calls of the session. */
  readonly rest: RestApi;
  /** The Asset records. */
  readonly assets: AssetRecords;
  /** Asset-token exchange and validation. */
  readonly assetTokens: AssetTokens;

  private constructor(
    /** The live session (tokens, refresh, budget, status). */
    readonly session: OrgSession,
    opts: OrgClientOptions,
  ) {
    this.rest = new RestApi(session, opts);
    this.assets = new AssetRecords(this.rest, session.config, opts);
    this.assetTokens = new AssetTokens(session, opts);
  }

  /** See openSession in connect.ts. @throws StationError ORG_NOT_CONNECTED, ORG_CONFIG, ORG_AUTH */
  static async fromSecrets(config: SfConfig, secrets: SecretStore, opts: OrgClientOptions = {}) {
    return new OrgClient(await connect.openSession(config, secrets, opts), opts);
  }

  /** See loginWithPkce in connect.ts. @throws StationError ORG_CONFIG, ORG_AUTH, ORG_UNAVAILABLE */
  static async loginWithPkce(config: SfConfig, secrets: SecretStore, opts: PkceOptions) {
    return new OrgClient(await connect.loginWithPkce(config, secrets, opts), opts);
  }

  /** See loginWithJwtBearer in connect.ts. @throws StationError ORG_CONFIG, SECRET_MISSING, ORG_AUTH, ORG_UNAVAILABLE */
  static async loginWithJwtBearer(config: SfConfig, secrets: SecretStore, opts: JwtOptions = {}) {
    return new OrgClient(await connect.loginWithJwtBearer(config, secrets, opts), opts);
  }

  /** HTTP calls made by this client: REST (`/services/data`), token endpoint, other (identity, keys, revoke). */
  get stats(): CallStats {
    return this.session.stats;
  }

  /** See OrgSession.logout. */
  logout(): Promise<void> {
    return this.session.logout();
  }

  /** See OrgSession.status. */
  status(): OrgStatus {
    return this.session.status();
  }

  /** See RestApi.ping. */
  ping(): Promise<OrgStatus> {
    return this.rest.ping();
  }

  /** See AssetRecords.upsertAsset. */
  upsertAsset(facts: AssetFacts): Promise<UpsertResult> {
    return this.assets.upsertAsset(facts);
  }

  /** See AssetRecords.upsertAssets. */
  upsertAssets(all: AssetFacts[]): Promise<UpsertOutcome[]> {
    return this.assets.upsertAssets(all);
  }

  /** See AssetRecords.batcher. */
  batcher(opts: CoalescerOptions = {}): UpsertBatcher {
    return this.assets.batcher(opts);
  }

  /** See AssetRecords.checkClone. */
  checkClone(a: CloneCheckInput): Promise<CloneCheckResult> {
    return this.assets.checkClone(a);
  }

  /** See AssetRecords.identityRules. */
  identityRules(): Promise<OrgIdentityRules> {
    return this.assets.identityRules();
  }

  /** See AssetRecords.findAssetByUid. */
  findAssetByUid(uid: string): Promise<AssetRecordFacts | undefined> {
    return this.assets.findAssetByUid(uid);
  }

  /** See AssetRecords.lookups. */
  lookups(opts: CoalescerOptions = {}): AssetLookups {
    return this.assets.lookups(opts);
  }

  /** Builds the actor token for the device to sign (see buildActorToken in asset-token.ts). */
  buildActorToken(claims: ActorClaims): UnsignedActorToken {
    return buildActorToken(claims);
  }

  /** See AssetTokens.exchange. */
  exchangeAssetToken(actorToken: string): Promise<IssuedAssetToken> {
    return this.assetTokens.exchange(actorToken);
  }

  /** See AssetTokens.warmKeys. */
  warmAssetKeys(): Promise<void> {
    return this.assetTokens.warmKeys();
  }

  /** See AssetTokens.validate. */
  validateAssetToken(token: string, o: ValidateOptions): Promise<Record<string, unknown>> {
    return this.assetTokens.validate(token, o);
  }
}
