/**
 * The token grants the station sends for its own session (docs/salesforce-wire.md §5): JWT bearer with an
 * RS256 assertion (§5.3), refresh token with rotation kept (§5.2, §6.3), and the identity URL read for the
 * username (§5.5). The operator's browser login is pkce.ts; the asset-token exchange is asset-token-exchange.ts.
 */
import crypto from 'node:crypto';
import { OAuth2 } from 'jsforce';
import type { StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { jwtAudience, normaliseLoginUrl, requestToken, type TokenResponse } from './auth';
import { boundedFetch } from './bounded-http';
import { signRs256Jwt } from './jwt';

type SfConfig = StationConfig['salesforce'];

const GRANT_JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/**
 * Builds the RS256 JWT bearer assertion: iss = consumer key, sub = username, aud, exp = now + 3 min
 * (docs/salesforce-wire.md §5.3).
 * @param o.privateKeyPem PKCS#8 PEM RSA key whose certificate is uploaded to the External Client App.
 * @param o.nowMs clock, ms since the epoch (default now).
 * @throws StationError ORG_CONFIG when the key is unreadable or not RSA.
 */
export function buildJwtAssertion(o: {
  clientId: string;
  username: string;
  audience: string;
  privateKeyPem: string;
  nowMs?: number;
}): string {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(o.privateKeyPem);
  } catch {
    throw new StationError(
      'ORG_CONFIG',
      'The JWT bearer private key in the secret store is not a readable PEM key.',
      'Store the PKCS#8 PEM RSA key whose certificate is uploaded to the External Client App (asset-station org login --jwt).',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new StationError(
      'ORG_CONFIG',
      'The JWT bearer key is not an RSA key; Salesforce accepts RS256 only.',
      'Generate an RSA-2048 key pair and upload its certificate to the External Client App.',
    );
  }
  const now = Math.floor((o.nowMs ?? Date.now()) / 1000);
  return signRs256Jwt({ iss: o.clientId, sub: o.username, aud: o.audience, exp: now + 180 }, key);
}

/**
 * Logs in with the JWT bearer grant, the key taken from the SecretStore (SECRET_NAMES.orgJwtKey).
 * jsforce has no JWT helper (docs/salesforce-wire.md §6.2): a generic requestToken grant.
 * @throws StationError SECRET_MISSING (no key stored), ORG_CONFIG (bad key), ORG_AUTH, ORG_UNAVAILABLE
 */
export async function jwtBearerGrant(
  config: SfConfig,
  secrets: SecretStore,
  username: string,
): Promise<TokenResponse> {
  const loginUrl = normaliseLoginUrl(config.loginUrl);
  const pem = await secrets.get(SECRET_NAMES.orgJwtKey);
  if (!pem) {
    throw new StationError(
      'SECRET_MISSING',
      `No JWT bearer private key is stored (${SECRET_NAMES.orgJwtKey}).`,
      'Store the station private key whose certificate is uploaded to the External Client App: asset-station org login --jwt (see docs/salesforce-setup.md).',
    );
  }
  const assertion = buildJwtAssertion({
    clientId: config.clientId,
    username,
    audience: jwtAudience(loginUrl),
    privateKeyPem: pem,
  });
  const oauth2 = new OAuth2({ loginUrl, clientId: config.clientId });
  return requestToken(oauth2, { grant_type: GRANT_JWT, assertion }, 'log in with the JWT bearer flow');
}

/**
 * Refreshes a PKCE session with the stored refresh token and stores a rotated one before anything else:
 * the old one is retired at once (docs/salesforce-wire.md §5.2), and jsforce's own refresh drops it (§6.3).
 * @throws StationError ORG_AUTH (no refresh token stored, or refused), ORG_CONFIG, ORG_UNAVAILABLE
 */
export async function refreshTokenGrant(config: SfConfig, secrets: SecretStore): Promise<TokenResponse> {
  const rt = await secrets.get(SECRET_NAMES.orgRefreshToken);
  if (!rt)
    throw new StationError(
      'ORG_AUTH',
      'The Salesforce session expired and no refresh token is stored.',
      'Log in to the org again.',
    );
  const clientSecret = await secrets.get(SECRET_NAMES.orgClientSecret);
  // A fresh OAuth2 without useVerifier: jsforce would add code_verifier to every grant (docs/salesforce-wire.md §6.2).
  const oauth2 = new OAuth2({
    loginUrl: normaliseLoginUrl(config.loginUrl),
    clientId: config.clientId,
    ...(clientSecret ? { clientSecret } : {}),
  });
  const tr = await requestToken(
    oauth2,
    { grant_type: 'refresh_token', refresh_token: rt },
    'refresh the Salesforce session',
  );
  if (tr.refresh_token && tr.refresh_token !== rt)
    await secrets.set(SECRET_NAMES.orgRefreshToken, tr.refresh_token);
  return tr;
}

/**
 * Reads the username from the identity URL of a token response (`GET id` with the bearer token,
 * docs/salesforce-wire.md §5.5; jsforce's identity() does the same). Undefined when it cannot be read:
 * the username is for display only. Bounded like every other org call ({@link boundedFetch}: body capped
 * at `maxBodyBytes`, default 1 MiB; no redirect followed). The identity URL is served by the login host
 * or the instance (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_openid.htm), so the
 * bearer token is sent only when `tr.id` is on the instance's origin or on `loginUrl`'s origin — never to
 * a host a forged token response names.
 * @param loginUrl the login URL the station itself chose (config), not one taken from the answer.
 */
export async function fetchUsername(
  tr: TokenResponse,
  loginUrl?: string,
  bounds: { maxBodyBytes?: number } = {},
): Promise<string | undefined> {
  try {
    const origin = new URL(tr.id).origin;
    const allowed = [tr.instance_url, loginUrl].filter((u): u is string => !!u).map((u) => new URL(u).origin);
    const res = await boundedFetch(
      {
        method: 'GET',
        url: tr.id,
        headers: { authorization: `Bearer ${tr.access_token}`, accept: 'application/json' },
        timeoutMs: 30_000,
      },
      'read the logged-in username',
      { ...bounds, instanceUrl: () => (allowed.includes(origin) ? origin : tr.instance_url) },
    );
    if (res.status < 200 || res.status >= 300) return undefined;
    const doc = JSON.parse(res.body) as { username?: unknown };
    return typeof doc.username === 'string' ? doc.username : undefined;
  } catch {
    return undefined;
  }
}
