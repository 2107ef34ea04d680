/**
 * The installer's own Salesforce login, for the asset-token exchange at onboarding: Salesforce's
 * asset-token design registers a device to the user who exchanges the token (the subject;
 * docs/salesforce-wire.md §1.2, §1.8 — `AssetTokenEvent.UserId`), so at the customer site that user
 * is the installer, not the station's integration user. The login is the same PKCE web-server flow
 * as the station's (docs/salesforce-wire.md §5.1, RFC 7636), in the system browser, but its tokens
 * are held in memory only for the signed-in installer: never stored, no refresh token asked for
 * (scope `api`), dropped when the installer signs out.
 * Source: https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_asset_token_flow.htm
 */
import type { StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { checkOrgConfig, parseIdUrl } from '../salesforce/auth';
import type { SubjectSession } from '../salesforce/asset-token-exchange';
import { fetchUsername } from '../salesforce/grants';
import { runPkceLogin } from '../salesforce/pkce';
import type { CallStats } from '../salesforce/transport';

/** An installer's personal org session (memory only). */
export interface PersonalSession extends SubjectSession {
  /** 18-character Organization Id from the identity URL (docs/salesforce-wire.md §6.3). */
  readonly orgId: string;
  /** The installer's Salesforce User Id. */
  readonly userId: string;
  /** The Salesforce username, when the identity service answered. */
  readonly username: string | undefined;
}

/** How long the installer has to finish the login in the browser, ms. */
export const PERSONAL_LOGIN_TIMEOUT_MS = 180_000;

/**
 * Runs the PKCE login in the system browser (`openUrl`) and returns the session, without storing it.
 * @throws StationError ORG_CONFIG (callback port busy, app misconfigured), ORG_AUTH (denied, timed out)
 */
export async function personalLogin(
  sf: StationConfig['salesforce'],
  secrets: SecretStore,
  openUrl: (url: string) => Promise<void>,
  timeoutMs = PERSONAL_LOGIN_TIMEOUT_MS,
  settingsFile?: string,
): Promise<PersonalSession> {
  const { loginUrl } = checkOrgConfig(sf, settingsFile);
  const clientSecret = await secrets.get(SECRET_NAMES.orgClientSecret);
  const stats: CallStats = { restCalls: 0, tokenCalls: 0, otherCalls: 0 };
  const tr = await runPkceLogin(
    {
      loginUrl,
      clientId: sf.clientId,
      ...(clientSecret ? { clientSecret } : {}),
      callbackPort: sf.callbackPort,
      openUrl,
      timeoutMs,
      scope: 'api',
      ...(settingsFile ? { settingsFile } : {}),
    },
    () => stats.tokenCalls++,
  );
  const { orgId, userId } = parseIdUrl(tr.id);
  const username = await fetchUsername(tr, loginUrl);
  stats.otherCalls++;
  return {
    accessToken: tr.access_token,
    instanceUrl: tr.instance_url,
    orgId,
    userId,
    username,
    stats,
    refresh: () =>
      Promise.reject(
        new StationError(
          'ORG_AUTH',
          'Your personal Salesforce login has expired.',
          'Log in to Salesforce as yourself again (Onboard screen), then onboard the device again.',
        ),
      ),
  };
}
