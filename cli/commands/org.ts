/**
 * `asset-station org login|status|logout`: connects the station to its Salesforce org (docs/salesforce-wire.md §5).
 *
 * - `org login`: the configured flow. PKCE (operators): opens the system browser (xdg-open / open /
 *   start) on the authorize URL and waits on the fixed loopback port `salesforce.callbackPort`; the URL
 *   is also printed for copying. JWT bearer (`authFlow: jwt` or `--jwt`): signs with the key in the
 *   vault; `--jwt-key-file FILE` first stores a PKCS#8 PEM key from FILE in the vault.
 * - `org status`: one REST call; prints the instance, user, org and API usage.
 * - `org logout`: revokes the refresh token and deletes the tokens from the vault.
 *
 * The vault passphrase comes from ASSET_STATION_VAULT_PASSPHRASE or an echo-off prompt.
 */
import type { Command } from 'commander';
import type { OrgStatus } from '../../shared/domain';
import { StationError, toErrorShape } from '../../shared/errors';
import { loadConfig, settingsFileOf } from '../../core/config';
import { SECRET_NAMES } from '../../core/secrets';
import { OrgClient } from '../../core/salesforce';
import { openVault } from '../secrets-prompt';
import type { CliContext } from '../context';
import { canOpenBrowser, openInBrowser, printLoginUrl } from '../open-browser';
import { integerOption, readFileOption } from '../options';

function human(s: OrgStatus): string {
  return [
    `connected  ${s.connected ? 'yes' : 'no'}`,
    ...(s.instanceUrl ? [`instance   ${s.instanceUrl}`] : []),
    ...(s.username ? [`user       ${s.username}`] : []),
    ...(s.orgId ? [`org        ${s.orgId}`] : []),
    ...(s.apiUsage ? [`API usage  ${s.apiUsage.used} / ${s.apiUsage.limit} today`] : []),
    ...(s.error ? [`error      ${s.error.message}`, `what to do ${s.error.remedy}`] : []),
  ].join('\n');
}

export function register(program: Command, ctx: () => CliContext): void {
  const org = program.command('org').description('connect the station to its Salesforce org');

  org
    .command('login')
    .description('log in with the configured flow (PKCE in the browser, or JWT bearer)')
    .option('--jwt', 'use the JWT bearer flow whatever salesforce.authFlow says')
    .option('--jwt-key-file <file>', 'store this PKCS#8 PEM private key in the vault for the JWT bearer flow')
    .option('--timeout <s>', 'give up the browser login after this many seconds', '300')
    .option(
      '--print-url',
      'on a station without a display: only print the login URL (open it through an SSH tunnel)',
    )
    .action(async (o: { jwt?: boolean; jwtKeyFile?: string; timeout: string; printUrl?: boolean }) => {
      const c = ctx();
      const timeoutS = integerOption(o.timeout, '--timeout', 1, 86_400);
      const config = loadConfig(c.home).salesforce;
      const browser = !(o.jwt || config.authFlow === 'jwt');
      if (browser && !o.printUrl && !canOpenBrowser()) {
        // decided before the vault, the network or the browser: never wait for a login page nobody sees
        throw new StationError(
          'ORG_CONFIG',
          'This station has no display, so the Salesforce login page cannot open here and asset-station org login would wait for nothing.',
          "Run 'asset-station org login' in a desktop session on this station, or 'asset-station org login --print-url' and open the printed address through an SSH tunnel to this station, or use the JWT bearer flow ('asset-station org login --jwt' with a key from your Salesforce admin).",
        );
      }
      const vault = await openVault(c.home);
      if (o.jwtKeyFile) {
        const pem = readFileOption(o.jwtKeyFile, '--jwt-key-file').toString('utf8');
        await vault.set(SECRET_NAMES.orgJwtKey, pem);
        c.info(`Stored the JWT bearer key in the ${vault.description}; you can now delete ${o.jwtKeyFile}.`);
      }
      let client: OrgClient;
      if (o.jwt || config.authFlow === 'jwt') {
        client = await OrgClient.loginWithJwtBearer({ ...config, authFlow: 'jwt' }, vault, {
          settingsFile: settingsFileOf(c.home),
        });
      } else {
        client = await OrgClient.loginWithPkce(config, vault, {
          timeoutMs: timeoutS * 1000,
          settingsFile: settingsFileOf(c.home),
          openUrl: o.printUrl ? printLoginUrl : openInBrowser,
        });
      }
      c.result(await client.ping(), human);
    });

  org
    .command('status')
    .description('check the org connection and show API usage')
    .action(async () => {
      const c = ctx();
      const config = loadConfig(c.home).salesforce;
      const client = await OrgClient.fromSecrets(config, await openVault(c.home), {
        settingsFile: settingsFileOf(c.home),
      });
      // A stored session is not a connection: ask the org, and say why when it does not answer.
      const status = await client
        .ping()
        .catch((e: unknown): OrgStatus => ({ ...client.status(), connected: false, error: toErrorShape(e) }));
      c.result(status, human);
      if (!status.connected) process.exitCode = 1;
    });

  org
    .command('logout')
    .description('revoke the refresh token and delete the org tokens from the vault')
    .action(async () => {
      const c = ctx();
      const config = loadConfig(c.home).salesforce;
      const vault = await openVault(c.home);
      const client = await OrgClient.fromSecrets({ ...config, authFlow: 'pkce' }, vault, {
        settingsFile: settingsFileOf(c.home),
      }).catch((e: unknown) => {
        if ((e as StationError).code === 'ORG_NOT_CONNECTED') return undefined;
        throw e;
      });
      if (client) await client.logout();
      c.result(
        { connected: false },
        () => 'Logged out of Salesforce; the tokens are deleted from the vault.',
      );
    });
}
