/**
 * OAuth 2.0 side of the emulator (docs/salesforce-wire.md §5 and §8): one object over the grants — the
 * authorization code with PKCE (oauth-code.ts), refresh with rotation and JWT bearer (oauth-grants.ts),
 * the asset-token exchange (asset-token-grant.ts) — plus revoke, the identity URL, userinfo and
 * `/id/keys`. Tokens live in the store through a TokenIssuer (oauth-tokens.ts).
 */
import crypto from 'node:crypto';
import type { OrgStore } from './store';
import type { Session } from './org-data';
import { assetTokenGrant, type AssetTokenSettings } from './asset-token-grant';
import { CodeFlow, type AuthorizeAnswer, type CodeFlowOptions } from './oauth-code';
import { jwtBearerGrant, RefreshGrant } from './oauth-grants';
import { OAuthError, TokenIssuer, type TokenBody } from './oauth-tokens';

export { OAuthError } from './oauth-tokens';

/** Options the OAuth side needs. */
export interface OAuthOptions extends CodeFlowOptions, AssetTokenSettings {
  /** Refresh-token rotation (docs/salesforce-wire.md §5.2). */
  rotation: boolean;
  /** Access-token lifetime, ms. */
  sessionTtlMs: number;
  /** Key of the certificate JWT bearer assertions are checked against; none → JWT bearer refused. */
  jwtBearerKey?: crypto.KeyObject;
}

/** Mutable switches the OAuth side reads at each request (see OrgFaults). */
export interface OAuthFaults {
  refuseConcurrentRefresh: boolean;
  acceptEs256: boolean;
}

const GRANT_JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The OAuth side of the emulator. */
export class OAuthServer {
  /** The asset signing key (an emulator has no HSM: kept in the store). */
  readonly assetKey: crypto.KeyObject;
  /** Its public half as a JWK (served by `/id/keys`). */
  readonly assetPublicJwk: crypto.JsonWebKey;
  /** Token calls by grant type (for benchmarks). */
  readonly grantCounts: Record<string, number> = {};
  private readonly tokens: TokenIssuer;
  private readonly code: CodeFlow;
  private readonly refresh: RefreshGrant;

  constructor(
    private readonly store: OrgStore,
    baseUrl: () => string,
    private readonly opts: OAuthOptions,
    private readonly faults: OAuthFaults,
  ) {
    this.assetKey = crypto.createPrivateKey(store.data.assetKeyPem);
    this.assetPublicJwk = crypto.createPublicKey(this.assetKey).export({ format: 'jwk' });
    this.tokens = new TokenIssuer(store, baseUrl, opts.sessionTtlMs);
    this.code = new CodeFlow(this.tokens, opts);
    this.refresh = new RefreshGrant(this.tokens, {
      rotation: opts.rotation,
      refuseConcurrent: () => faults.refuseConcurrentRefresh,
    });
  }

  /** Looks up a live session for a bearer token; undefined when invalid or expired. */
  session(token: string | undefined): Session | undefined {
    return this.tokens.session(token);
  }

  /** Mints an access token for `userId`. */
  mintSession(userId: string, family?: string): string {
    return this.tokens.mintSession(userId, family);
  }

  /** Expires every access token (session-expiry fault). Refresh tokens stay valid. */
  expireSessions(): void {
    this.tokens.expireSessions();
  }

  /**
   * Revokes every refresh token and the sessions they minted, as an admin's "Revoke" of the app's OAuth
   * usage in Setup (or an expired refresh-token policy) does: the next refresh answers 400 `invalid_grant`
   * "expired access/refresh token" (docs/salesforce-wire.md §5.5 [C REV][S OAU]). JWT bearer sessions
   * (no refresh token) are left alone.
   */
  revokeRefreshTokens(): void {
    const families = new Set(Object.values(this.store.data.refreshTokens).map((r) => r.family));
    for (const f of families) this.tokens.revokeFamily(f);
  }

  /** `/services/oauth2/authorize` (see CodeFlow.authorize). */
  authorize(q: URLSearchParams, decision?: 'allow' | 'deny'): AuthorizeAnswer {
    return this.code.authorize(q, decision);
  }

  /**
   * `POST /services/oauth2/token`, dispatched by `grant_type`. `hold` is awaited inside a refresh (the
   * latency fault while the request is "being processed").
   * @throws OAuthError invalid_request (no grant type), unsupported_grant_type, and each grant's errors
   */
  async token(p: URLSearchParams, hold: () => Promise<void>): Promise<TokenBody> {
    const grant = p.get('grant_type') ?? '';
    this.grantCounts[grant] = (this.grantCounts[grant] ?? 0) + 1;
    switch (grant) {
      case 'authorization_code':
        return this.code.codeGrant(p);
      case 'refresh_token':
        return this.refresh.grant(p, hold);
      case GRANT_JWT:
        return jwtBearerGrant(this.tokens, p, this.opts.jwtBearerKey);
      case GRANT_EXCHANGE:
        return assetTokenGrant(this.tokens, p, {
          ...this.opts,
          signingKey: this.assetKey,
          acceptEs256: this.faults.acceptEs256,
        });
      case '':
        throw new OAuthError('invalid_request', 'grant_type is required');
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  /**
   * `POST /services/oauth2/revoke` (docs/salesforce-wire.md §5.5): a refresh token revokes its family, an
   * access token itself.
   * @throws OAuthError invalid_token
   */
  revoke(token: string): void {
    const rt = this.store.data.refreshTokens[token];
    if (rt) {
      this.tokens.revokeFamily(rt.family);
      return;
    }
    if (this.store.data.sessions[token]) {
      delete this.store.data.sessions[token];
      this.store.save();
      return;
    }
    throw new OAuthError('invalid_token', 'invalid token');
  }

  /** Identity document for `/id/{org}/{user}` (docs/salesforce-wire.md §5.5); undefined for an unknown user. */
  identity(userId: string): Record<string, unknown> | undefined {
    const u = this.store.data.users[userId];
    if (!u) return undefined;
    return {
      id: this.tokens.identityUrl(u.Id),
      asserted_user: true,
      user_id: u.Id,
      organization_id: this.store.data.orgId,
      username: u.Username,
      nick_name: u.Username.split('@')[0],
      display_name: u.Name,
      email: u.Email,
      active: true,
      user_type: 'STANDARD',
      urls: { rest: `${this.tokens.baseUrl()}/services/data/v{version}/` },
    };
  }

  /** OIDC userinfo claims (docs/salesforce-wire.md §5.5); undefined for an unknown user. */
  userinfo(userId: string): Record<string, unknown> | undefined {
    const u = this.store.data.users[userId];
    if (!u) return undefined;
    return {
      sub: this.tokens.identityUrl(u.Id),
      user_id: u.Id,
      organization_id: this.store.data.orgId,
      preferred_username: u.Username,
      name: u.Name,
      email: u.Email,
    };
  }

  /** `/id/keys`: the asset signing key as a JWKS (docs/salesforce-wire.md §3, §8). */
  jwks(): Record<string, unknown> {
    const { n, e } = this.assetPublicJwk;
    return { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid: this.opts.assetSigningCertName, n, e }] };
  }

  /** The asset signing public key as SPKI PEM (what an admin would export from Setup). */
  assetPublicKeyPem(): string {
    return crypto.createPublicKey(this.assetKey).export({ type: 'spki', format: 'pem' }).toString();
  }
}
