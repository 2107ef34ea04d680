/**
 * The asset-token flow of the emulator (docs/salesforce-wire.md §1.2–§1.8, §8): the token-exchange grant
 * checks the subject token and the device-signed actor token (`did` required; RS256 over `cnf.jwk`, ES256
 * only with the probe switch), links or creates the Asset, logs an AssetTokenEvent-like entry and issues
 * an RS256 asset token signed with the org's asset signing key. The claim set is the emulator's own
 * choice (§8 Unknowns 1, 4).
 */
import crypto from 'node:crypto';
import { newId, type Rec, type TokenEvent } from './org-data';
import { checkAssetTokenEvent } from './asset-token-check';
import { decodeJwt, signRs256, verifyJws } from './jwt';
import { JWT_SKEW_S } from './oauth-grants';
import { OAuthError, type TokenBody, type TokenIssuer } from './oauth-tokens';

const TT_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';

/** What the issued asset tokens look like (the External Client App's settings, docs/salesforce-wire.md §2). */
export interface AssetTokenSettings {
  /** `aud` of issued tokens. */
  assetAudience: string[];
  /** Lifetime, seconds. */
  assetTokenValiditySec: number;
  /** `kid` of issued tokens (the signing certificate's name, docs/salesforce-wire.md §1.6). */
  assetSigningCertName: string;
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`.
 * @param acceptEs256 the probe switch: also accept ES256 actor tokens.
 * @throws OAuthError invalid_request (token types, malformed actor token), invalid_grant (subject, signature,
 *   `did`, expiry, the Asset can be neither linked nor created)
 */
export function assetTokenGrant(
  tokens: TokenIssuer,
  p: URLSearchParams,
  s: AssetTokenSettings & { signingKey: crypto.KeyObject; acceptEs256: boolean },
): TokenBody {
  if (p.get('subject_token_type') !== TT_ACCESS)
    throw new OAuthError('invalid_request', 'invalid subject_token_type');
  const subject = tokens.session(p.get('subject_token') ?? undefined);
  if (!subject) throw new OAuthError('invalid_grant', 'invalid subject token');
  const actor = readActorToken(p, s.acceptEs256);
  const store = tokens.store;
  const asset = linkAsset(tokens, actor);
  const now = Math.floor(Date.now() / 1000);
  const exp = now + s.assetTokenValiditySec;
  const jwk = (actor.cnf as { jwk?: Record<string, unknown> } | undefined)?.jwk;
  const claims: Record<string, unknown> = {
    aud: s.assetAudience,
    nbf: now,
    iss: tokens.baseUrl(),
    sub: subject.userId,
    iat: now,
    exp,
    jti: crypto.randomUUID(),
    did: actor.did,
    Name: actor.Name ?? asset.Name,
    Asset: { Id: asset.Id, Name: asset.Name, SerialNumber: asset.SerialNumber ?? null },
    ...(jwk ? { cnf: { jwk } } : {}),
  };
  const token = signRs256(claims, s.signingKey, { kid: s.assetSigningCertName, typ: 'JWT' });
  const event: TokenEvent = {
    EventUuid: crypto.randomUUID(),
    CreatedDate: new Date().toISOString(),
    UserId: subject.userId,
    ConnectedAppId: newId('0H4'),
    AssetId: asset.Id,
    AssetName: String(asset.Name ?? ''),
    AssetSerialNumber: String(asset.SerialNumber ?? ''),
    DeviceId: String(actor.did ?? ''),
    DeviceKey: jwk ? JSON.stringify(jwk) : '',
    Expiration: new Date(exp * 1000).toISOString(),
    Name: String(claims.Name ?? ''),
    ActorTokenPayload: JSON.stringify(actor).slice(0, 6000),
  };
  store.data.tokenEvents.push(event);
  // the org's AssetTokenEvent trigger runs after the exchange; it never changes the token already issued
  checkAssetTokenEvent(store, event);
  store.save();
  return {
    access_token: token,
    issued_token_type: TT_JWT,
    token_type: 'Bearer',
    expires_in: s.assetTokenValiditySec,
  };
}

/** The actor token's claims, checked; `{}` when the request carries none. */
function readActorToken(p: URLSearchParams, acceptEs256: boolean): Record<string, unknown> {
  const actorRaw = p.get('actor_token');
  if (!actorRaw) return {};
  if (p.get('actor_token_type') !== TT_JWT)
    throw new OAuthError('invalid_request', 'invalid actor_token_type');
  const jwt = decodeJwt(actorRaw);
  if (!jwt) throw new OAuthError('invalid_request', 'actor token is malformed');
  const actor = jwt.payload;
  if (typeof actor.did !== 'string' || actor.did === '')
    throw new OAuthError('invalid_grant', 'actor token: did is required');
  const jwk = (actor.cnf as { jwk?: crypto.JsonWebKey } | undefined)?.jwk;
  if (jwk) {
    const algOk = jwt.header.alg === 'RS256' || (acceptEs256 && jwt.header.alg === 'ES256');
    let key: crypto.KeyObject | undefined;
    try {
      key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw new OAuthError('invalid_grant', 'actor token: cnf.jwk is not a valid key');
    }
    if (!algOk || !verifyJws(jwt, key))
      throw new OAuthError('invalid_grant', 'actor token: invalid signature');
  }
  if (typeof actor.exp === 'number' && actor.exp < Date.now() / 1000 - JWT_SKEW_S) {
    throw new OAuthError('invalid_grant', 'actor token expired');
  }
  return actor;
}

/** Asset.Id → link; else SerialNumber → link; else create with Name + Account/Contact (docs/salesforce-wire.md §1.4). */
function linkAsset(tokens: TokenIssuer, actor: Record<string, unknown>): Rec {
  const store = tokens.store;
  const a = (actor.Asset ?? {}) as Record<string, unknown>;
  if (typeof a.Id === 'string') {
    const rec = store.get('Asset', a.Id);
    if (!rec) throw new OAuthError('invalid_grant', 'actor token: unknown Asset Id');
    return rec;
  }
  if (typeof a.SerialNumber === 'string') {
    const found = store.findBy('Asset', 'SerialNumber', a.SerialNumber);
    if (found.length === 1) return found[0]!;
  }
  const name = a.Name ?? actor.Name;
  if (typeof name !== 'string' || (!a.AccountId && !a.ContactId)) {
    throw new OAuthError('invalid_grant', 'actor token: the Asset can be neither linked nor created');
  }
  try {
    const rec = store.create('Asset', {
      Name: name,
      ...(a.SerialNumber ? { SerialNumber: a.SerialNumber } : {}),
      ...(a.AccountId ? { AccountId: a.AccountId } : {}),
      ...(a.ContactId ? { ContactId: a.ContactId } : {}),
    });
    store.save();
    return rec;
  } catch (e) {
    throw new OAuthError(
      'invalid_grant',
      `actor token: the Asset cannot be created (${(e as Error).message})`,
    );
  }
}
