/**
 * Salesforce client of the station (docs/salesforce-wire.md): OrgClient plus the pure helpers the provisioning
 * saga and the CLI use.
 */
export { OrgClient } from './client';
export type { OrgClientOptions, PkceOptions, JwtOptions } from './client';
export type { CloneCheckInput, CloneCheckResult } from './asset-lookup';
export {
  DEFAULT_FIELD_MAP,
  buildAssetFields,
  encodeExternalId,
  validateExternalId,
  renderName,
  type AssetFacts,
  type AssetFieldMap,
  type AssetRecordFacts,
} from './assets';
export {
  ACTOR_TOKEN_TTL_S,
  assetTokenSkipReason,
  assetTokenSupported,
  buildActorToken,
  validateAssetTokenWith,
  type ActorClaims,
  type UnsignedActorToken,
  type ValidateOptions,
} from './asset-token';
export * from './asset-batching';
export * from './coalescer';
export { callbackUrl } from './pkce';
export { fromOAuthError, jwtAudience, normaliseLoginUrl } from './auth';
export { fromSfError, sfCode } from './errors';
