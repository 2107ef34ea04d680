/**
 * `asset-station onboard`: a field installer links a provisioned device to its customer (onboard
 * mode, core/onboard/). `onboard search <text>` lists customer Accounts by name with their address;
 * `onboard device --port L --account ID [--contact ID] [--location …] [--notes …] [--out FILE]` proves
 * the device on L is the registered one (refused otherwise, nothing written), links its Asset to the
 * customer as Installed, and writes the handover report PDF (also kept in the station home).
 * Sign in as an installer with ASSET_STATION_OPERATOR (cli/commands/operator.ts).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { openStation } from '../open-station';

export function register(program: Command, ctx: () => CliContext): void {
  const onboard = program
    .command('onboard')
    .description('field installer: link a provisioned device to its customer, with a handover report');

  onboard
    .command('search <text>')
    .description('customer Accounts whose name contains <text>, with their address')
    .action(async (text: string) => {
      const c = ctx();
      const station = await openStation(c);
      try {
        const found = await station.searchAccounts({ text });
        c.result(found, (l) =>
          l.length === 0
            ? `No customer Account's name contains "${text}".`
            : l.map((a) => `${a.id}  ${a.name}  (${a.address || 'no address'})`).join('\n'),
        );
      } finally {
        await station.close();
      }
    });

  onboard
    .command('device')
    .description('prove the device is the registered one, link its Asset to the customer, write the report')
    .requiredOption('--port <locator>', 'device locator (serial:/dev/ttyUSB0, tcp:host:port, …)')
    .requiredOption('--account <id>', 'the customer Account Id (see `onboard search`)')
    .option('--contact <id>', 'a Contact of that Account')
    .option('--location <text>', 'where the device is installed')
    .option('--notes <text>', 'installation notes')
    .option('--out <file>', 'also write the handover report PDF here')
    .action(
      async (o: {
        port: string;
        account: string;
        contact?: string;
        location?: string;
        notes?: string;
        out?: string;
      }) => {
        const c = ctx();
        const station = await openStation(c);
        try {
          const bay = await station.attachBay({ locator: o.port });
          const r = await station.onboardDevice({
            bayId: bay.id,
            accountId: o.account,
            ...(o.contact ? { contactId: o.contact } : {}),
            ...(o.location ? { location: o.location } : {}),
            ...(o.notes ? { notes: o.notes } : {}),
          });
          if (o.out) fs.writeFileSync(o.out, Buffer.from(r.report.pdfBase64, 'base64'));
          const { report, ...rest } = r;
          c.result({ ...rest, report: report.filename, ...(o.out ? { written: o.out } : {}) }, (x) =>
            [
              `Installed ${x.model} ${x.deviceUid} (Asset ${x.assetId}) at ${x.account.name}, ${x.account.address}.`,
              ...(x.contact ? [`Contact: ${x.contact.name}`] : []),
              `Checks passed: ${x.checks.map((k) => k.name).join(', ')}.`,
              ...x.checks
                .filter((k) => k.name === 'asset-token' || k.name === 'binding')
                .map(
                  (k) =>
                    `${k.name === 'asset-token' ? 'Asset token' : 'Asset ID on the device'}: ${k.detail}`,
                ),
              `Handover report: ${o.out ?? `handover/${x.report}`} (in the station home)`,
            ].join('\n'),
          );
        } finally {
          await station.close();
        }
      },
    );
}
