/**
 * The authorization-code grant of the emulator (docs/salesforce-wire.md §5.1, §8): the authorize endpoint
 * (auto-approve, or an Allow/Deny page), redirect-URI matching, single-use codes and the PKCE check
 * (RFC 7636 §4.6; S256 by default).
 */
import crypto from 'node:crypto';
import { OAuthError, type TokenBody, type TokenIssuer } from './oauth-tokens';

/** How the authorize endpoint behaves. */
export interface CodeFlowOptions {
  /** Exact redirect URIs the app registers; undefined → any http loopback URL. */
  callbackUrls?: string[];
  /** Approve without showing the Allow/Deny page. */
  autoApprove: boolean;
}

/** What the authorize endpoint answers: a redirect, or an HTML page with its status. */
export interface AuthorizeAnswer {
  status: number;
  redirect?: string;
  html?: string;
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

/** Codes live this long, ms. */
const CODE_TTL_MS = 5 * 60_000;

/** Authorize endpoint and code grant. */
export class CodeFlow {
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    private readonly tokens: TokenIssuer,
    private readonly opts: CodeFlowOptions,
  ) {}

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
   * `GET|POST /services/oauth2/authorize`. Returns a redirect location, or an HTML page (the approval page,
   * or an error page when client_id/redirect_uri are wrong: Salesforce never redirects to an unregistered URI).
   */
  authorize(q: URLSearchParams, decision?: 'allow' | 'deny'): AuthorizeAnswer {
    const store = this.tokens.store;
    const clientId = q.get('client_id') ?? '';
    const redirectUri = q.get('redirect_uri') ?? '';
    if (clientId !== store.data.clientId) {
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
    const back = (params: Record<string, string>): AuthorizeAnswer => {
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
      const admin = store.data.users[store.data.adminUserId]!;
      return {
        status: 200,
        html: page(
          'Allow access?',
          `<p>Asset Station wants to access the org as ${esc(admin.Username)}.</p><form method="post">${hidden}` +
            `<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form>`,
        ),
      };
    }
    if (decision === 'deny')
      return back({ error: 'access_denied', error_description: 'end-user denied authorization' });
    // `login_hint` stands for the username the person types on Salesforce's login page (an unknown one
    // is refused as the login page would); without it the seeded admin logs in.
    // https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_web_server_flow.htm
    const hint = q.get('login_hint');
    const user = hint ? Object.values(store.data.users).find((u) => u.Username === hint) : undefined;
    if (hint && !user) return back({ error: 'access_denied', error_description: 'unknown username' });
    const method = (q.get('code_challenge_method') ?? 'S256') as 'S256' | 'plain'; // docs/salesforce-wire.md §5.1: default S256
    const challenge = q.get('code_challenge') ?? undefined;
    const code = `aPrx${crypto.randomBytes(24).toString('base64url')}`;
    this.codes.set(code, {
      clientId,
      redirectUri,
      ...(challenge ? { challenge } : {}),
      method: method === 'plain' ? 'plain' : 'S256',
      userId: user?.Id ?? store.data.adminUserId,
      expiresAt: Date.now() + CODE_TTL_MS,
      scope: q.get('scope') ?? 'api refresh_token',
    });
    return back({ code });
  }

  /**
   * `grant_type=authorization_code`: the code is single use; client_id, redirect_uri and the PKCE
   * verifier must match. A refresh token is issued for the `refresh_token`/`offline_access` scopes.
   * @throws OAuthError invalid_grant, invalid_client
   */
  codeGrant(p: URLSearchParams): TokenBody {
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
    const rt = wantsRefresh ? this.tokens.mintRefresh(pending.userId, family) : undefined;
    const at = this.tokens.mintSession(pending.userId, family);
    return this.tokens.tokenResponse(pending.userId, at, rt);
  }
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}
