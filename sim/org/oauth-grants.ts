/**
 * The refresh-token grant (docs/salesforce-wire.md §5.2: rotation, reuse of a retired token revokes its
 * family, concurrent refreshes of one token refused) and the JWT bearer grant (§5.3: RS256 assertion
 * checked against the app's certificate, `iss`, `aud`, `exp` with 3 minutes' skew, no refresh token).
 */
import type crypto from 'node:crypto';
import { decodeJwt, verifyJws } from './jwt';
import { OAuthError, type TokenBody, type TokenIssuer } from './oauth-tokens';

/** Clock skew allowed on `exp`, seconds (docs/salesforce-wire.md §5.3). */
export const JWT_SKEW_S = 180;

/** How the refresh grant behaves. */
export interface RefreshOptions {
  /** Issue a new refresh token and retire the old one (docs/salesforce-wire.md §5.2). */
  rotation: boolean;
  /** Read at each request: refuse a refresh of a token being refreshed (fault switch). */
  refuseConcurrent: () => boolean;
}

/** `grant_type=refresh_token`. */
export class RefreshGrant {
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly tokens: TokenIssuer,
    private readonly opts: RefreshOptions,
  ) {}

  /**
   * Refreshes a session. `hold` is awaited while the request is "being processed" (the latency fault).
   * @throws OAuthError invalid_client, invalid_grant (unknown or retired token), invalid_request (concurrent)
   */
  async grant(p: URLSearchParams, hold: () => Promise<void>): Promise<TokenBody> {
    const data = this.tokens.store.data;
    const rt = p.get('refresh_token') ?? '';
    if (p.get('client_id') !== data.clientId)
      throw new OAuthError('invalid_client', 'invalid client credentials');
    const rec = data.refreshTokens[rt];
    if (!rec) throw new OAuthError('invalid_grant', 'expired access/refresh token');
    if (rec.retired) {
      // docs/salesforce-wire.md §5.2: reuse of a rotated-out token revokes the whole family
      this.tokens.revokeFamily(rec.family);
      throw new OAuthError('invalid_grant', 'expired access/refresh token');
    }
    if (this.refreshing.has(rt) && this.opts.refuseConcurrent()) {
      // docs/salesforce-wire.md §5.2: concurrent refreshes of one token are refused (exact error code [U])
      throw new OAuthError('invalid_request', 'Token request is already being processed');
    }
    this.refreshing.add(rt);
    try {
      await hold();
      const current = data.refreshTokens[rt];
      if (!current) throw new OAuthError('invalid_grant', 'expired access/refresh token');
      let next: string | undefined;
      if (this.opts.rotation) {
        current.retired = true;
        next = this.tokens.mintRefresh(rec.userId, rec.family);
      }
      const at = this.tokens.mintSession(rec.userId, rec.family);
      return this.tokens.tokenResponse(rec.userId, at, next);
    } finally {
      this.refreshing.delete(rt);
    }
  }
}

/**
 * `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`: `aud` may be the emulator's URL or the
 * production/sandbox login URL; `sub` names the user.
 * @param key the certificate key of the app; undefined → every assertion is refused (invalid_client).
 * @throws OAuthError invalid_request (no assertion), invalid_client, invalid_grant
 */
export function jwtBearerGrant(
  tokens: TokenIssuer,
  p: URLSearchParams,
  key: crypto.KeyObject | undefined,
): TokenBody {
  const jwt = decodeJwt(p.get('assertion') ?? '');
  if (!jwt) throw new OAuthError('invalid_request', 'assertion is missing or malformed');
  if (!key) throw new OAuthError('invalid_client', 'invalid client credentials');
  if (jwt.header.alg !== 'RS256' || !verifyJws(jwt, key)) {
    throw new OAuthError('invalid_grant', 'invalid assertion');
  }
  const c = jwt.payload;
  const data = tokens.store.data;
  if (c.iss !== data.clientId) throw new OAuthError('invalid_client', 'invalid client credentials');
  const audOk = (a: unknown) =>
    typeof a === 'string' &&
    [tokens.baseUrl(), 'https://login.salesforce.com', 'https://test.salesforce.com'].includes(
      a.replace(/\/$/, ''),
    );
  if (!(Array.isArray(c.aud) ? c.aud.some(audOk) : audOk(c.aud)))
    throw new OAuthError('invalid_grant', 'audience is invalid');
  if (typeof c.exp !== 'number' || c.exp < Date.now() / 1000 - JWT_SKEW_S)
    throw new OAuthError('invalid_grant', 'expired authorization code');
  const user = Object.values(data.users).find((u) => u.Username === c.sub);
  if (!user) throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
  const r = tokens.tokenResponse(user.Id, tokens.mintSession(user.Id));
  return {
    access_token: r.access_token,
    scope: r.scope,
    instance_url: r.instance_url,
    id: r.id,
    token_type: 'Bearer',
  };
}
