/**
 * OAuth 2.0 endpoints of the emulator (docs/salesforce-wire.md §5 and §8): authorize (auto-approve or an
 * Allow/Deny page), token (authorization code + PKCE, refresh with optional rotation, JWT bearer,
 * asset-token exchange), revoke, userinfo, identity URL and `/id/keys`.
 */
import crypto from 'node:crypto';
import type { OrgStore, Rec, Session } from './store';
import { newId } from './store';
import { decodeJwt, signRs256, verifyJws } from './jwt';

/** Error body of the token endpoint (docs/salesforce-wire.md §1.7). */
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

/** Options the OAuth side needs. */
export interface OAuthOptions {
  rotation: boolean;
  sessionTtlMs: number;
  assetAudience: string[];
  assetTokenValiditySec: number;
  assetSigningCertName: string;
  jwtBearerKey?: crypto.KeyObject;
  /** Exact redirect URIs the app registers; undefined → any http loopback URL. */
  callbackUrls?: string[];
  autoApprove: boolean;
}

/** Mutable switches the OAuth side reads. */
export interface OAuthFaults {
  refuseConcurrentRefresh: boolean;
  acceptEs256: boolean;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  method: 'S256' | 'plain';
  userId: string;
  expiresAt: number;
  scope: string;
}

const CODE_TTL_MS = 5 * 60_000;
const JWT_SKEW_S = 180; // docs/salesforce-wire.md §5.3 (3-minute clock skew)
const GRANT_JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TT_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';

/** The OAuth side of the emulator. */
export class OAuthServer {
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshing = new Set<string>();
  readonly assetKey: crypto.KeyObject;
  readonly assetPublicJwk: crypto.JsonWebKey;
  /** Token calls by grant type (for benchmarks). */
  readonly grantCounts: Record<string, number> = {};

  constructor(
    private readonly store: OrgStore,
    private readonly baseUrl: () => string,
    private readonly opts: OAuthOptions,
    private readonly faults: OAuthFaults,
  ) {
    this.assetKey = crypto.createPrivateKey(store.data.assetKeyPem);
    this.assetPublicJwk = crypto.createPublicKey(this.assetKey).export({ format: 'jwk' });
  }

  /** Looks up a live session for a bearer token; undefined when invalid or expired. */
  session(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const s = this.store.data.sessions[token];
    if (!s || s.expiresAt <= Date.now()) return undefined;
    return s;
  }

  /** Mints an access token for `userId`. */
  mintSession(userId: string, family?: string): string {
    const token = `${this.store.data.orgId}!${crypto.randomBytes(36).toString('base64url')}`;
    this.store.data.sessions[token] = {
      userId,
      expiresAt: Date.now() + this.opts.sessionTtlMs,
      ...(family ? { family } : {}),
    };
    this.store.save();
    return token;
  }

  /** Expires every access token (session-expiry fault). Refresh tokens stay valid. */
  expireSessions(): void {
    for (const s of Object.values(this.store.data.sessions)) s.expiresAt = 0;
    this.store.save();
  }

  private identityUrl(userId: string): string {
    return `${this.baseUrl()}/id/${this.store.data.orgId}/${userId}`;
  }

  private tokenResponse(userId: string, accessToken: string, refreshToken?: string): Record<string, unknown> {
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

  /** Checks `redirect_uri` against the registered callbacks (exact match, docs/salesforce-wire.md §5.1). */
  redirectAllowed(uri: string): boolean {
    if (this.opts.callbackUrls) return this.opts.callbackUrls.includes(uri);
    try {
      const u = new URL(uri);
      return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    } catch {
      return false;
    }
  }

  /**
   * GET /services/oauth2/authorize. Returns a redirect location, or an HTML page (approval page or an
   * error page when client_id/redirect_uri are wrong: Salesforce never redirects to an unregistered URI).
   */
  authorize(
    q: URLSearchParams,
    decision?: 'allow' | 'deny',
  ): { redirect?: string; html?: string; status: number } {
    const clientId = q.get('client_id') ?? '';
    const redirectUri = q.get('redirect_uri') ?? '';
    if (clientId !== this.store.data.clientId) {
      return {
        status: 400,
        html: page('error=invalid_client_id', 'OAuth error: invalid client identifier.'),
      };
    }
    if (!this.redirectAllowed(redirectUri)) {
      return {
        status: 400,
        html: page('error=redirect_uri_mismatch', 'OAuth error: redirect_uri must match configuration.'),
      };
    }
    const state = q.get('state');
    const back = (params: Record<string, string>) => {
      const u = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      if (state !== null) u.searchParams.set('state', state);
      return { status: 302, redirect: u.toString() };
    };
    if (q.get('response_type') !== 'code') {
      return back({ error: 'unsupported_response_type', error_description: 'response type not supported' });
    }
    if (!this.opts.autoApprove && decision === undefined) {
      const hidden = [...q.entries()]
        .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
        .join('');
      return {
        status: 200,
        html: page(
          'Allow access?',
          `<p>Asset Station wants to access the org as ${esc(this.admin().Username)}.</p><form method="post">${hidden}` +
            `<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form>`,
        ),
      };
    }
    if (decision === 'deny')
      return back({ error: 'access_denied', error_description: 'end-user denied authorization' });
    const method = (q.get('code_challenge_method') ?? 'S256') as 'S256' | 'plain'; // §5.1: default S256
    const challenge = q.get('code_challenge') ?? undefined;
    const code = `aPrx${crypto.randomBytes(24).toString('base64url')}`;
    this.codes.set(code, {
      clientId,
      redirectUri,
      ...(challenge ? { challenge } : {}),
      method: method === 'plain' ? 'plain' : 'S256',
      userId: this.store.data.adminUserId,
      expiresAt: Date.now() + CODE_TTL_MS,
      scope: q.get('scope') ?? 'api refresh_token',
    });
    return back({ code });
  }

  private admin() {
    return this.store.data.users[this.store.data.adminUserId]!;
  }

  /** POST /services/oauth2/token. @throws OAuthError */
  async token(p: URLSearchParams, hold: () => Promise<void>): Promise<Record<string, unknown>> {
    const grant = p.get('grant_type') ?? '';
    this.grantCounts[grant] = (this.grantCounts[grant] ?? 0) + 1;
    switch (grant) {
      case 'authorization_code':
        return this.codeGrant(p);
      case 'refresh_token':
        return this.refreshGrant(p, hold);
      case GRANT_JWT:
        return this.jwtGrant(p);
      case GRANT_EXCHANGE:
        return this.exchangeGrant(p);
      case '':
        throw new OAuthError('invalid_request', 'grant_type is required');
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  private codeGrant(p: URLSearchParams): Record<string, unknown> {
    const code = p.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code); // single use
    if (!pending || pending.expiresAt < Date.now())
      throw new OAuthError('invalid_grant', 'invalid authorization code');
    if (p.get('client_id') !== pending.clientId)
      throw new OAuthError('invalid_client', 'invalid client credentials');
    if (p.get('redirect_uri') !== pending.redirectUri)
      throw new OAuthError('invalid_grant', 'redirect_uri must match configuration');
    if (pending.challenge) {
      const verifier = p.get('code_verifier') ?? '';
      const computed =
        pending.method === 'plain'
          ? verifier
          : crypto.createHash('sha256').update(verifier).digest('base64url');
      if (!verifier || computed !== pending.challenge)
        throw new OAuthError('invalid_grant', 'invalid code verifier');
    }
    const family = crypto.randomUUID();
    const wantsRefresh = /\b(refresh_token|offline_access)\b/.test(pending.scope);
    const rt = wantsRefresh ? this.mintRefresh(pending.userId, family) : undefined;
    const at = this.mintSession(pending.userId, family);
    return this.tokenResponse(pending.userId, at, rt);
  }

  private mintRefresh(userId: string, family: string): string {
    const rt = `5Aep${crypto.randomBytes(40).toString('base64url')}`;
    this.store.data.refreshTokens[rt] = { userId, family, retired: false };
    this.store.save();
    return rt;
  }

  /** Revokes a refresh-token family and all access tokens it minted (docs/salesforce-wire.md §5.2, §5.5). */
  private revokeFamily(family: string): void {
    for (const [k, r] of Object.entries(this.store.data.refreshTokens))
      if (r.family === family) delete this.store.data.refreshTokens[k];
    for (const [k, s] of Object.entries(this.store.data.sessions))
      if (s.family === family) delete this.store.data.sessions[k];
    this.store.save();
  }

  private async refreshGrant(
    p: URLSearchParams,
    hold: () => Promise<void>,
  ): Promise<Record<string, unknown>> {
    const rt = p.get('refresh_token') ?? '';
    if (p.get('client_id') !== this.store.data.clientId)
      throw new OAuthError('invalid_client', 'invalid client credentials');
    const rec = this.store.data.refreshTokens[rt];
    if (!rec) throw new OAuthError('invalid_grant', 'expired access/refresh token');
    if (rec.retired) {
      // docs/salesforce-wire.md §5.2: reuse of a rotated-out token revokes the whole family
      this.revokeFamily(rec.family);
      throw new OAuthError('invalid_grant', 'expired access/refresh token');
    }
    if (this.refreshing.has(rt) && this.faults.refuseConcurrentRefresh) {
      // docs/salesforce-wire.md §5.2: concurrent refreshes of one token are refused (exact error code [U])
      throw new OAuthError('invalid_request', 'Token request is already being processed');
    }
    this.refreshing.add(rt);
    try {
      await hold(); // latency applies while the request is "being processed"
      const current = this.store.data.refreshTokens[rt];
      if (!current) throw new OAuthError('invalid_grant', 'expired access/refresh token');
      let next: string | undefined;
      if (this.opts.rotation) {
        current.retired = true;
        next = this.mintRefresh(rec.userId, rec.family);
      }
      const at = this.mintSession(rec.userId, rec.family);
      return this.tokenResponse(rec.userId, at, next);
    } finally {
      this.refreshing.delete(rt);
    }
  }

  private jwtGrant(p: URLSearchParams): Record<string, unknown> {
    const jwt = decodeJwt(p.get('assertion') ?? '');
    if (!jwt) throw new OAuthError('invalid_request', 'assertion is missing or malformed');
    if (!this.opts.jwtBearerKey) throw new OAuthError('invalid_client', 'invalid client credentials');
    if (jwt.header.alg !== 'RS256' || !verifyJws(jwt, this.opts.jwtBearerKey)) {
      throw new OAuthError('invalid_grant', 'invalid assertion');
    }
    const c = jwt.payload;
    if (c.iss !== this.store.data.clientId)
      throw new OAuthError('invalid_client', 'invalid client credentials');
    const audOk = (a: unknown) =>
      typeof a === 'string' &&
      [this.baseUrl(), 'https://login.salesforce.com', 'https://test.salesforce.com'].includes(
        a.replace(/\/$/, ''),
      );
    if (!(Array.isArray(c.aud) ? c.aud.some(audOk) : audOk(c.aud)))
      throw new OAuthError('invalid_grant', 'audience is invalid');
    const now = Date.now() / 1000;
    if (typeof c.exp !== 'number' || c.exp < now - JWT_SKEW_S)
      throw new OAuthError('invalid_grant', 'expired authorization code');
    const user = Object.values(this.store.data.users).find((u) => u.Username === c.sub);
    if (!user) throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
    const at = this.mintSession(user.Id);
    const r = this.tokenResponse(user.Id, at);
    return {
      access_token: r.access_token,
      scope: r.scope,
      instance_url: r.instance_url,
      id: r.id,
      token_type: 'Bearer',
    };
  }

  /** The asset-token flow (docs/salesforce-wire.md §1.2–§1.6, §8). */
  private exchangeGrant(p: URLSearchParams): Record<string, unknown> {
    if (p.get('subject_token_type') !== TT_ACCESS)
      throw new OAuthError('invalid_request', 'invalid subject_token_type');
    const subject = this.session(p.get('subject_token') ?? undefined);
    if (!subject) throw new OAuthError('invalid_grant', 'invalid subject token');
    const actorRaw = p.get('actor_token');
    let actor: Record<string, unknown> = {};
    if (actorRaw) {
      if (p.get('actor_token_type') !== TT_JWT)
        throw new OAuthError('invalid_request', 'invalid actor_token_type');
      const jwt = decodeJwt(actorRaw);
      if (!jwt) throw new OAuthError('invalid_request', 'actor token is malformed');
      actor = jwt.payload;
      if (typeof actor.did !== 'string' || actor.did === '')
        throw new OAuthError('invalid_grant', 'actor token: did is required');
      const jwk = (actor.cnf as { jwk?: crypto.JsonWebKey } | undefined)?.jwk;
      if (jwk) {
        const algOk = jwt.header.alg === 'RS256' || (this.faults.acceptEs256 && jwt.header.alg === 'ES256');
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
    }
    const asset = this.linkAsset(actor);
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.opts.assetTokenValiditySec;
    const jwk = (actor.cnf as { jwk?: Record<string, unknown> } | undefined)?.jwk;
    const claims: Record<string, unknown> = {
      aud: this.opts.assetAudience,
      nbf: now,
      iss: this.baseUrl(),
      sub: subject.userId,
      iat: now,
      exp,
      jti: crypto.randomUUID(),
      did: actor.did,
      Name: actor.Name ?? asset.Name,
      Asset: { Id: asset.Id, Name: asset.Name, SerialNumber: asset.SerialNumber ?? null },
      ...(jwk ? { cnf: { jwk } } : {}),
    };
    const token = signRs256(claims, this.assetKey, { kid: this.opts.assetSigningCertName, typ: 'JWT' });
    this.store.data.tokenEvents.push({
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
    });
    this.store.save();
    return {
      access_token: token,
      issued_token_type: TT_JWT,
      token_type: 'Bearer',
      expires_in: this.opts.assetTokenValiditySec,
    };
  }

  /** Asset.Id → link; else SerialNumber → link; else create with Name + Account/Contact (docs/salesforce-wire.md §1.4). */
  private linkAsset(actor: Record<string, unknown>): Rec {
    const a = (actor.Asset ?? {}) as Record<string, unknown>;
    if (typeof a.Id === 'string') {
      const rec = this.store.get('Asset', a.Id);
      if (!rec) throw new OAuthError('invalid_grant', 'actor token: unknown Asset Id');
      return rec;
    }
    if (typeof a.SerialNumber === 'string') {
      const found = this.store.findBy('Asset', 'SerialNumber', a.SerialNumber);
      if (found.length === 1) return found[0]!;
    }
    const name = a.Name ?? actor.Name;
    if (typeof name !== 'string' || (!a.AccountId && !a.ContactId)) {
      throw new OAuthError('invalid_grant', 'actor token: the Asset can be neither linked nor created');
    }
    try {
      const rec = this.store.create('Asset', {
        Name: name,
        ...(a.SerialNumber ? { SerialNumber: a.SerialNumber } : {}),
        ...(a.AccountId ? { AccountId: a.AccountId } : {}),
        ...(a.ContactId ? { ContactId: a.ContactId } : {}),
      });
      this.store.save();
      return rec;
    } catch (e) {
      throw new OAuthError(
        'invalid_grant',
        `actor token: the Asset cannot be created (${(e as Error).message})`,
      );
    }
  }

  /** POST /services/oauth2/revoke (docs/salesforce-wire.md §5.5). */
  revoke(token: string): void {
    const rt = this.store.data.refreshTokens[token];
    if (rt) {
      this.revokeFamily(rt.family);
      return;
    }
    if (this.store.data.sessions[token]) {
      delete this.store.data.sessions[token];
      this.store.save();
      return;
    }
    throw new OAuthError('invalid_token', 'invalid token');
  }

  /** Identity document for `/id/{org}/{user}` (docs/salesforce-wire.md §5.5). */
  identity(userId: string): Record<string, unknown> | undefined {
    const u = this.store.data.users[userId];
    if (!u) return undefined;
    return {
      id: this.identityUrl(u.Id),
      asserted_user: true,
      user_id: u.Id,
      organization_id: this.store.data.orgId,
      username: u.Username,
      nick_name: u.Username.split('@')[0],
      display_name: u.Name,
      email: u.Email,
      active: true,
      user_type: 'STANDARD',
      urls: { rest: `${this.baseUrl()}/services/data/v{version}/` },
    };
  }

  /** OIDC userinfo claims. */
  userinfo(userId: string): Record<string, unknown> | undefined {
    const u = this.store.data.users[userId];
    if (!u) return undefined;
    return {
      sub: this.identityUrl(u.Id),
      user_id: u.Id,
      organization_id: this.store.data.orgId,
      preferred_username: u.Username,
      name: u.Name,
      email: u.Email,
    };
  }

  /** `/id/keys`: the asset signing key as a JWKS (docs/salesforce-wire.md §3, §8). */
  jwks(): Record<string, unknown> {
    return {
      keys: [
        {
          kty: 'RSA',
          alg: 'RS256',
          use: 'sig',
          kid: this.opts.assetSigningCertName,
          n: this.assetPublicJwk.n,
          e: this.assetPublicJwk.e,
        },
      ],
    };
  }

  /** The asset signing public key as SPKI PEM (what an admin would export from Setup). */
  assetPublicKeyPem(): string {
    return crypto.createPublicKey(this.assetKey).export({ type: 'spki', format: 'pem' }).toString();
  }
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}
