/**
 * `asset-station sim org --port N [--json]`: runs the Salesforce org emulator (sim/org, the "Emulator
 * contract" of docs/salesforce-wire.md §8) on 127.0.0.1 until SIGINT/SIGTERM. Data persists under `<home>/org`.
 * With --json it prints one line `{"baseUrl","clientId","accessToken",…}` once listening (the token
 * belongs to the seeded admin user). Faults can be switched at run time with
 * `POST <baseUrl>/emulator/faults` (JSON, see OrgFaults in sim/org/index.ts).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import { startOrgEmulator } from '../../dev/simulators';
import type { CliContext } from '../context';
import { integerOption, readFileOption } from '../options';
import { simGroup } from './sim-group';

export function register(program: Command, ctx: () => CliContext): void {
  simGroup(program)
    .command('org')
    .description('run the Salesforce org emulator on 127.0.0.1 until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port (0 = any free port)', '0')
    .option('--latency <ms>', 'added delay per response in ms', '0')
    .option('--daily-limit <n>', 'daily API request limit', '100000')
    .option('--no-rotation', 'turn refresh-token rotation off')
    .option('--audience <aud>', 'aud of issued asset tokens', 'https://asset-station.invalid/devices')
    .option('--jwt-cert <file>', 'certificate or public key (PEM) for JWT bearer assertions')
    .option('--client-id <id>', 'fixed consumer key (default: generated once per home)')
    .option('--manual-approve', 'show an Allow/Deny page instead of auto-approving logins')
    .action(
      async (o: {
        port: string;
        latency: string;
        dailyLimit: string;
        rotation: boolean;
        audience: string;
        jwtCert?: string;
        clientId?: string;
        manualApprove?: boolean;
      }) => {
        const c = ctx();
        const port = integerOption(o.port, '--port', 0, 65535);
        const latencyMs = integerOption(o.latency, '--latency', 0, 600_000);
        const dailyLimit = integerOption(o.dailyLimit, '--daily-limit', 1, 1e9);
        const jwtBearerCertPem = o.jwtCert
          ? readFileOption(o.jwtCert, '--jwt-cert').toString('utf8')
          : undefined;
        let emu;
        try {
          emu = await startOrgEmulator({
            home: path.join(c.newHome, 'org'), // the emulator may run in a home of its own, created here
            port,
            latencyMs,
            dailyLimit,
            rotation: o.rotation,
            assetAudience: o.audience,
            autoApprove: !o.manualApprove,
            ...(jwtBearerCertPem ? { jwtBearerCertPem } : {}),
            ...(o.clientId ? { clientId: o.clientId } : {}),
          });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new StationError(
              'CONFLICT',
              `Port ${port} on 127.0.0.1 is already in use.`,
              'Choose another --port, or stop the program using it.',
            );
          }
          throw e;
        }
        const line = {
          baseUrl: emu.baseUrl,
          clientId: emu.clientId,
          accessToken: emu.accessToken,
          orgId: emu.orgId,
          adminUsername: emu.adminUsername,
          defaultAccountId: emu.defaultAccountId,
        };
        if (c.json) process.stdout.write(JSON.stringify(line) + '\n');
        else {
          c.info(`Org emulator listening on ${emu.baseUrl}`);
          c.info(`  client ID       ${emu.clientId}`);
          c.info(`  admin           ${emu.adminUsername}`);
          c.info(`  access token    ${emu.accessToken}`);
          c.info(`  default Account ${emu.defaultAccountId}`);
          c.info(`  data            ${path.join(c.home, 'org')}`);
          c.info('Press Ctrl+C to stop.');
        }
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await emu.stop();
        if (!c.json) c.info('Org emulator stopped.');
      },
    );
}
