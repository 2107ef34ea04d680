/**
 * Asset tokens with the org: the token-exchange grant that turns a device-signed actor token into an asset
 * token (docs/salesforce-wire.md §1.2, §1.5, §1.7), and validation of what comes back against the org's asset
 * signing key (§3) — pinned, or read once from `/id/keys` and cached by `kid`. The actor token itself and
 * the validation rules are asset-token.ts.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import {
  keySetResolver,
  validateAssetTokenWith,
  type SigningKeyResolver,
  type ValidateOptions,
} from './asset-token-validate';
import { fromOAuthError } from './auth';
import { unexpectedAnswer } from './errors';
import { boundedFetch } from './bounded-http';
import { decodeJws } from './jwt';
import { DEFAULT_TIMEOUT_MS } from './rest';
import type { OrgSession } from './session';

const GRANT_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TT_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const TT_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** OAuth errors that mean the app is not set up for asset tokens (docs/salesforce-wire.md §1.7). */
const CONFIG_ERRORS = ['unsupported_grant_type', 'invalid_client', 'unauthorized_client'];

/** Options of the asset-token side. */
export interface AssetTokenOptions {
  /** Pinned asset signing certificate or public key (PEM); default: the org's `/id/keys` (docs/salesforce-wire.md §3). */
  assetSigningCertPem?: string;
  /**
   * URL for the token exchange (docs/salesforce-wire.md §1.2); default the instance URL. It must be on the
   * instance's origin (the request carries the session): another host is refused (ORG_CONFIG) unsent.
   */
  assetTokenUrl?: string;
  /** Per-request timeout, ms. Default 60000. */
  requestTimeoutMs?: number;
}

/** An issued asset token, not yet validated. */
export interface IssuedAssetToken {
  /** The compact JWT (call {@link AssetTokens.validate}). */
  assetToken: string;
  /** Its claims, unverified. */
  claims: Record<string, unknown>;
  /** Lifetime, seconds (`expires_in`). */
  expiresIn: number;
}

/**
 * The session whose user is the subject of the exchange (docs/salesforce-wire.md §1.2): the station's
 * own OrgSession at provisioning, or an installer's personal login at onboarding (core/onboard/).
 */
export type SubjectSession = Pick<OrgSession, 'accessToken' | 'instanceUrl' | 'refresh' | 'stats'>;

/** Asset-token exchange and validation for one session. */
export class AssetTokens {
  private keySet: SigningKeyResolver | undefined;
  private keysLoading: Promise<void> | undefined;

  constructor(
    private readonly session: SubjectSession,
    private readonly opts: AssetTokenOptions = {},
  ) {}

  /** Where the token exchange is posted: the asset-token URL, else the subject session's instance URL. */
  get exchangeUrl(): string {
    return this.opts.assetTokenUrl ?? this.session.instanceUrl;
  }

  /**
   * Exchanges the device-signed actor token for an asset token: `POST /services/oauth2/token` with the
   * token-exchange grant, subject = this session's access token (docs/salesforce-wire.md §1.2, §1.5). Raw
   * HTTP, not conn.authorize (the response has no `id`, §6.3). On `invalid_grant` the session is refreshed
   * once and the exchange retried: the subject token may have expired (§1.7, §8 Unknowns 5).
   * @throws StationError ASSET_TOKEN_REJECTED, ORG_CONFIG (flow not enabled), ORG_AUTH, ORG_UNAVAILABLE
   */
  async exchange(actorToken: string): Promise<IssuedAssetToken> {
    const doing = 'exchange the asset token';
    for (let attempt = 1; ; attempt++) {
      const { status, json } = await this.post(actorToken);
      if (status >= 500 || !json) {
        throw unexpectedAnswer(
          doing,
          json ? `HTTP ${status}` : `a non-JSON body (HTTP ${status})`,
          'Check https://status.salesforce.com and the network, then retry the asset-token step.',
          { status },
        );
      }
      if (status >= 400) {
        const error = String(json.error ?? `ERROR_HTTP_${status}`);
        const description = String(json.error_description ?? '');
        if (error === 'invalid_grant' && attempt === 1) {
          await this.session.refresh();
          continue;
        }
        if (CONFIG_ERRORS.includes(error)) {
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
        throw unexpectedAnswer(doing, 'no token', 'Retry the asset-token step.');
      }
      return {
        assetToken: json.access_token,
        claims: decodeJws(json.access_token)?.payload ?? {},
        expiresIn: typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in ?? 0),
      };
    }
  }

  /** One token-exchange request; `json` is undefined when the body is not a JSON object. */
  private async post(actorToken: string): Promise<{ status: number; json?: Record<string, unknown> }> {
    const base = this.exchangeUrl.replace(/\/+$/, '');
    const body = new URLSearchParams({
      grant_type: GRANT_EXCHANGE,
      subject_token_type: TT_ACCESS,
      subject_token: this.session.accessToken,
      actor_token_type: TT_JWT,
      actor_token: actorToken,
    });
    this.session.stats.tokenCalls++;
    // bounded: body capped, no redirect followed; the subject token (the session) is in the body, so the
    // URL must be on the instance's origin — checked before anything is sent (issue 11)
    const res = await boundedFetch(
      {
        method: 'POST',
        url: `${base}/services/oauth2/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeoutMs: this.opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        carriesSession: true,
      },
      'exchange the asset token',
      { instanceUrl: () => this.session.instanceUrl },
    );
    const status = res.status;
    const text = res.body;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return { status, json: parsed as Record<string, unknown> };
    } catch {
      // not JSON: reported by the caller
    }
    return { status };
  }

  /**
   * Validates an asset token with the full rule set of asset-token-validate.ts: RS256 signature by the
   * key its `kid` names in the org's key set — the pinned asset signing certificate (`assetSigningCertPem`,
   * the whole set) or the org's `/id/keys` JWKS (docs/salesforce-wire.md §3); `iss` defaults to the
   * asset-token URL or the instance URL. Returns the claims.
   * @throws StationError ASSET_TOKEN_INVALID; ORG_CONFIG (unreadable pinned certificate); ORG_UNAVAILABLE (keys)
   */
  async validate(token: string, o: ValidateOptions): Promise<Record<string, unknown>> {
    const issuer = o.issuer ?? this.opts.assetTokenUrl ?? this.session.instanceUrl;
    return validateAssetTokenWith(token, (kid) => this.signingKey(kid), { ...o, issuer });
  }

  /**
   * Reads the org's key set now (when no signing certificate is pinned and none was read yet), so that the
   * first device's token validation waits for no `/id/keys` round trip (issue 18: warmed at connect).
   * Never throws: a failed read is retried by the first validation.
   */
  async warmKeys(): Promise<void> {
    if (this.opts.assetSigningCertPem || this.keySet) return;
    this.keysLoading ??= this.loadKeys().finally(() => {
      this.keysLoading = undefined;
    });
    await this.keysLoading.catch(() => undefined);
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
    if (kid === undefined) return undefined; // a JWKS key is named by its kid: no kid, no key
    if (!this.keySet || !(await this.keySet(kid))) {
      // single-flight: concurrent validations share one /id/keys fetch; an unknown kid re-reads the set once
      this.keysLoading ??= this.loadKeys().finally(() => {
        this.keysLoading = undefined;
      });
      await this.keysLoading;
    }
    return this.keySet?.(kid);
  }

  /** Reads the org's key set from `/id/keys` (a JWKS, docs/salesforce-wire.md §3). */
  private async loadKeys(): Promise<void> {
    this.session.stats.otherCalls++;
    let jwks: unknown;
    try {
      const res = await boundedFetch(
        {
          method: 'GET',
          url: `${this.session.instanceUrl.replace(/\/+$/, '')}/id/keys`,
          timeoutMs: this.opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        },
        "read the org's signing keys (/id/keys)",
      );
      jwks = JSON.parse(res.body);
    } catch (e) {
      throw new StationError(
        'ORG_UNAVAILABLE',
        `Could not read the org's signing keys (/id/keys): ${(e as Error).message}`,
        'Check the network, or pin the asset signing certificate in the station settings.',
      );
    }
    this.keySet = keySetResolver(jwks);
  }
}
