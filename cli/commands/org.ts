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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Command } from 'commander';
import type { OrgStatus } from '../../shared/domain';
import { StationError, toErrorShape } from '../../shared/errors';
import { loadConfig } from '../../core/config';
import { SECRET_NAMES } from '../../core/secrets';
import { OrgClient } from '../../core/salesforce';
import { openVault } from '../secrets-prompt';
import type { CliContext } from '../context';

/** Opens `url` in the system browser without a shell (the URL is an argument, never interpreted). */
function openInBrowser(url: string): Promise<void> {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve()); // no browser: the printed URL still works
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

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
    .action(async (o: { jwt?: boolean; jwtKeyFile?: string; timeout: string }) => {
      const c = ctx();
      const config = loadConfig(c.home).salesforce;
      const vault = await openVault(c.home);
      if (o.jwtKeyFile) {
        let pem: string;
        try {
          pem = fs.readFileSync(o.jwtKeyFile, 'utf8');
        } catch (e) {
          throw new StationError(
            'BAD_REQUEST',
            `Cannot read ${o.jwtKeyFile}: ${(e as Error).message}.`,
            'Give the path of the PEM private key file.',
          );
        }
        await vault.set(SECRET_NAMES.orgJwtKey, pem);
        c.info(`Stored the JWT bearer key in the ${vault.description}; you can now delete ${o.jwtKeyFile}.`);
      }
      let client: OrgClient;
      if (o.jwt || config.authFlow === 'jwt') {
        client = await OrgClient.loginWithJwtBearer({ ...config, authFlow: 'jwt' }, vault);
      } else {
        const timeoutS = Number(o.timeout);
        if (!(timeoutS > 0))
          throw new StationError(
            'BAD_REQUEST',
            '--timeout must be a positive number of seconds.',
            'Pass e.g. --timeout 300.',
          );
        client = await OrgClient.loginWithPkce(config, vault, {
          timeoutMs: timeoutS * 1000,
          openUrl: async (url) => {
            if (!c.json)
              process.stderr.write(
                `Opening the Salesforce login in your browser. If it does not open, visit:\n  ${url}\n`,
              );
            await openInBrowser(url);
          },
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
      const client = await OrgClient.fromSecrets(config, await openVault(c.home));
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
      const client = await OrgClient.fromSecrets({ ...config, authFlow: 'pkce' }, vault).catch(
        (e: unknown) => {
          if ((e as StationError).code === 'ORG_NOT_CONNECTED') return undefined;
          throw e;
        },
      );
      if (client) await client.logout();
      c.result(
        { connected: false },
        () => 'Logged out of Salesforce; the tokens are deleted from the vault.',
      );
    });
}
