/**
 * The emulator's tokens (docs/salesforce-wire.md §5): access tokens (sessions) with a lifetime, refresh
 * tokens in rotation families (§5.2), the token-response shape (§5.1), and the OAuth error body (§1.7).
 * Every grant (oauth-code.ts, oauth-grants.ts, asset-token-grant.ts) mints through a {@link TokenIssuer}.
 */
import crypto from 'node:crypto';
import type { OrgStore } from './store';
import type { Session } from './org-data';

/** Error of the token endpoint: HTTP `status` with `{error, error_description}` (docs/salesforce-wire.md §1.7). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    description: string,
    readonly status = 400,
  ) {
    super(description);
  }
  /** `{error, error_description}` (docs/salesforce-wire.md §1.7). */
  body(): Record<string, string> {
    return { error: this.error, error_description: this.message };
  }
}

/** Token endpoint answer (a JSON object). */
export type TokenBody = Record<string, unknown>;

/** Mints, looks up, expires and revokes the org's tokens. */
export class TokenIssuer {
  constructor(
    readonly store: OrgStore,
    /** The emulator's base URL (instance and login URL). */
    readonly baseUrl: () => string,
    /** Access-token lifetime, ms. */
    private readonly sessionTtlMs: number,
  ) {}

  /** Looks up a live session for a bearer token; undefined when invalid or expired. */
  session(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const s = this.store.data.sessions[token];
    if (!s || s.expiresAt <= Date.now()) return undefined;
    return s;
  }

  /** Mints an access token (`{orgId}!…`) for `userId`, in refresh-token `family` if given. */
  mintSession(userId: string, family?: string): string {
    const token = `${this.store.data.orgId}!${crypto.randomBytes(36).toString('base64url')}`;
    this.store.data.sessions[token] = {
      userId,
      expiresAt: Date.now() + this.sessionTtlMs,
      ...(family ? { family } : {}),
    };
    this.store.save();
    return token;
  }

  /** Mints a refresh token of `family` (docs/salesforce-wire.md §5.2). */
  mintRefresh(userId: string, family: string): string {
    const rt = `5Aep${crypto.randomBytes(40).toString('base64url')}`;
    this.store.data.refreshTokens[rt] = { userId, family, retired: false };
    this.store.save();
    return rt;
  }

  /** Expires every access token (session-expiry fault). Refresh tokens stay valid. */
  expireSessions(): void {
    for (const s of Object.values(this.store.data.sessions)) s.expiresAt = 0;
    this.store.save();
  }

  /** Revokes a refresh-token family and all access tokens it minted (docs/salesforce-wire.md §5.2, §5.5). */
  revokeFamily(family: string): void {
    for (const [k, r] of Object.entries(this.store.data.refreshTokens))
      if (r.family === family) delete this.store.data.refreshTokens[k];
    for (const [k, s] of Object.entries(this.store.data.sessions))
      if (s.family === family) delete this.store.data.sessions[k];
    this.store.save();
  }

  /** The identity URL of a user: `{base}/id/{orgId}/{userId}` (docs/salesforce-wire.md §5.5). */
  identityUrl(userId: string): string {
    return `${this.baseUrl()}/id/${this.store.data.orgId}/${userId}`;
  }

  /** A token response (docs/salesforce-wire.md §5.1), with `refresh_token` when one was minted. */
  tokenResponse(userId: string, accessToken: string, refreshToken?: string): TokenBody {
    const issuedAt = String(Date.now());
    const id = this.identityUrl(userId);
    return {
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      // docs/salesforce-wire.md §5.1: signature = base64 HMAC-SHA256(id + issued_at); the emulator keys it with the client ID
      signature: crypto
        .createHmac('sha256', this.store.data.clientId)
        .update(id + issuedAt)
        .digest('base64'),
      scope: refreshToken ? 'api refresh_token' : 'api',
      instance_url: this.baseUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  }
}
