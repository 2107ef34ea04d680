/**
 * The station's org service (OrgService of station.ts) over {@link OrgClient}: connect/disconnect per
 * the configured flow (PKCE with the system browser, or JWT bearer), and the saga's OrgPort —
 * upserts go through the client's batcher so that several bays share Collections calls.
 */
import crypto from 'node:crypto';
import type { OrgStatus, StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { settingPlace } from '../config';
import type { SecretStore } from '../secrets';
import type { OrgService } from '../station';
import type { JobsAhead, OrgPort } from '../bays/ports';
import { findAccount } from './accounts';
import { accountCacheOf, accountGone } from './account-cache';
import { onboardOrg } from '../onboard/org';
import { personalLogin } from '../onboard/installer-login';
import { AssetTokens, type IssuedAssetToken } from './asset-token-exchange';
import { OrgClient, type OrgClientOptions } from './client';
import { orgAuditSink } from './audit-records';

/**
 * Builds the OrgService. `openUrl` opens the system browser for the PKCE login (Electron's
 * shell.openExternal or the CLI's opener); without it only the JWT bearer flow can connect.
 */
export function orgService(
  config: () => StationConfig,
  secrets: SecretStore,
  openUrl?: (url: string) => Promise<void>,
  clientOptions: OrgClientOptions = {},
): OrgService {
  let client: OrgClient | undefined;
  let clientFor = '';
  let opening: Promise<OrgClient> | undefined;
  let loggedOut = false; // disconnected here: the background audit sync must not log in again by itself
  const key = () => JSON.stringify(config().salesforce);
  // one session at a time: the saga and the audit sync asking together share one open
  const current = async (): Promise<OrgClient> => {
    if (client && clientFor === key()) return client;
    opening ??= (async () => {
      const k = key();
      const c = await OrgClient.fromSecrets(config().salesforce, secrets, clientOptions);
      client = c;
      clientFor = k;
      void accounts(c).warm(config().salesforce.accountId);
      // what the org enforces (issue 18), read once per session off the first device's path
      c.identityRules().catch(() => undefined);
      return c;
    })().finally(() => (opening = undefined));
    return opening;
  };
  return {
    async port(ahead?: JobsAhead): Promise<OrgPort> {
      const c = await current();
      // the operator's login could not be renewed: no org call can succeed until someone signs in again,
      // so a job stops here, at its org step, before any call (Retry after signing in; session.ts)
      const expired = c.session.signInExpired;
      if (expired) throw expired;
      return toPort(c, () => config().salesforce, ahead);
    },
    async status(): Promise<OrgStatus> {
      if (client && clientFor === key()) return client.status();
      return { connected: false };
    },
    async connect(): Promise<OrgStatus> {
      const sf = config().salesforce;
      if (sf.authFlow === 'jwt') {
        client = await OrgClient.loginWithJwtBearer(sf, secrets, clientOptions);
      } else {
        if (!openUrl) {
          throw new StationError(
            'ORG_CONFIG',
            'This station cannot open a browser for the Salesforce login.',
            `Log in with 'asset-station org login' in a desktop session, or use the JWT bearer flow: set ${settingPlace('salesforce.authFlow', clientOptions.settingsFile)} to jwt.`,
          );
        }
        client = await OrgClient.loginWithPkce(sf, secrets, { ...clientOptions, openUrl });
      }
      clientFor = key();
      loggedOut = false;
      // alongside the ping, once per session (issue 18: not on the first device's critical path): the
      // configured Account confirmed, and the org's asset-token signing keys read
      const [status] = await Promise.all([
        client.ping(),
        accounts(client).warm(sf.accountId),
        client.identityRules().catch(() => undefined),
        sf.assetTokens.enabled ? client.warmAssetKeys() : undefined,
      ]);
      return status;
    },
    auditSink: () =>
      orgAuditSink(async () => {
        if (loggedOut) {
          throw new StationError(
            'ORG_NOT_CONNECTED',
            'The station was disconnected from Salesforce, so its audit entries wait on the station.',
            'Connect the org again; the waiting entries are sent then.',
          );
        }
        const c = await current();
        return { rest: c.rest, user: c.session.user };
      }),
    ...(openUrl
      ? {
          personalLogin: () =>
            personalLogin(config().salesforce, secrets, openUrl, undefined, clientOptions.settingsFile),
        }
      : {}),
    async disconnect(): Promise<OrgStatus> {
      const c =
        client ??
        (await OrgClient.fromSecrets(config().salesforce, secrets, clientOptions).catch(() => undefined));
      if (c) await c.logout();
      client = undefined;
      loggedOut = true;
      return { connected: false };
    },
  };
}

/** The Accounts confirmed in `c`'s session (account-cache.ts). */
const accounts = (c: OrgClient) => accountCacheOf(c, (id) => findAccount(c.rest, id));

/**
 * Longest wait of a bay's clone check or upsert for the other bays heading for the same call, ms: long
 * enough for an RSA bay's key generation (~1.5 s on the bench's devices) to catch up with an EC bay's,
 * so a batch of mixed bays shares one call; a bay alone never waits (issue 18).
 */
export const BATCH_WAIT_MS = 2000;

/**
 * Adapts an OrgClient to the saga's OrgPort. With `ahead`, clone checks wait for every bay not yet past
 * `policy`, and upserts for every bay not yet past `upsert-asset` (at most {@link BATCH_WAIT_MS}), so
 * the bays of a batch share one query and one Collections call. The first port of a client sets this.
 */
export function toPort(c: OrgClient, sf: () => StationConfig['salesforce'], ahead?: JobsAhead): OrgPort {
  const st = c.status();
  const wait = (step: 'policy' | 'upsert-asset') =>
    ahead ? { windowMs: BATCH_WAIT_MS, expected: () => ahead.notPast(step) } : {};
  const lookups = c.lookups(wait('policy'));
  const batcher = c.batcher(wait('upsert-asset'));
  return {
    orgId: st.orgId ?? '',
    username: st.username ?? '',
    // several bays' look-ups and upserts share calls (asset-batching.ts)
    checkClone: (q) => lookups.checkClone(q),
    identityRules: () => c.identityRules(),
    upsertAsset: (facts) =>
      batcher.upsert(facts).catch((e: unknown) => {
        // the Account confirmed earlier in the session is gone: the next pre-flight asks the org again
        if (accountGone(e)) accounts(c).forget(facts.accountId ?? sf().accountId);
        throw e;
      }),
    findAssetByUid: (uid) => lookups.findAssetByUid(uid),
    // an Account found once is not looked up again in this session (account-cache.ts)
    findAccount: (id) => accounts(c).find(id),
    onboard: {
      ...onboardOrg(c.rest, sf().apiVersion),
      // the installer's login is the subject; the exchange goes to this org's token URL and the token is
      // validated with this org's keys, as at provisioning (core/onboard/asset-token.ts)
      issueAssetTokenAs: (subject, q) =>
        issue(q, (actor) =>
          new AssetTokens(subject, { assetTokenUrl: c.assetTokens.exchangeUrl }).exchange(actor),
        ),
    },
    issueAssetToken: (q) => issue(q, (actor) => c.exchangeAssetToken(actor)),
  };

  /** Actor token signed by the device, exchanged by `exchange`, validated with the station's org keys. */
  async function issue(
    q: Parameters<OrgPort['issueAssetToken']>[0],
    exchange: (actor: string) => Promise<IssuedAssetToken>,
  ): ReturnType<OrgPort['issueAssetToken']> {
    const jwk = crypto
      .createPublicKey({ key: Buffer.from(q.publicKeySpki), format: 'der', type: 'spki' })
      .export({ format: 'jwk' });
    const unsigned = c.buildActorToken({
      did: q.deviceUid,
      name: q.name,
      assetId: q.assetId,
      serialNumber: q.deviceUid,
      jwk,
    });
    const signature = await q.sign(new TextEncoder().encode(unsigned.signingInput));
    const actor = unsigned.finish(signature);
    const issued = await exchange(actor);
    const claims = await c.validateAssetToken(issued.assetToken, {
      audience: sf().assetTokens.audience,
      deviceUid: q.deviceUid,
      assetId: q.assetId,
      deviceJwk: jwk,
      ...(sf().assetTokens.maxLifetimeSec ? { maxLifetimeSec: sf().assetTokens.maxLifetimeSec } : {}),
    });
    return {
      assetToken: issued.assetToken,
      expiresIn: issued.expiresIn,
      ...(typeof claims.jti === 'string' ? { jti: claims.jti } : {}),
    };
  }
}
