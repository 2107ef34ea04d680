/**
 * `asset-station ca revoke|crl`: revoke device certificates and publish the CRL.
 * - `ca revoke SERIAL|DEVICE-UID --reason R [--note TEXT] [--uid]`: records the revocation in the
 *   station database and the audit log (`ca.revoke`), then publishes a new CRL;
 *   and flags the device's Asset in the org (Certificate_Status__c = Revoked) when it is reachable;
 * - `ca org-sync`: sends the Asset flags that could not be sent when the org was unreachable;
 * - `ca crl [--out FILE] [--der]`: publishes a fresh CRL and prints (or writes) it;
 * - `ca crl --serve [--port N]`: serves the current CRL on http://127.0.0.1:N/crl.der until stopped.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { REVOCATION_REASONS, normaliseSerial, serveCrl } from '../../core/pki';
import { encodePem } from '../../core/pki/pem';
import { loadConfig } from '../../core/config';
import { AuditLog } from '../../core/records/audit';
import { openStationDb } from '../../core/records/db';
import { usageError, type CliContext } from '../context';
import { openVault } from '../secrets-prompt';
import { openCa } from './ca-common';
import { orgSyncLines, syncOrgFlags } from './ca-org';

/** Is `text` hexadecimal (a serial number's form)? */
const looksLikeSerial = (text: string) => /^[0-9a-fA-F:]+$/.test(text) && text.replace(/:/g, '').length >= 2;

export function register(ca: Command, ctx: () => CliContext): void {
  ca.command('revoke <serial-or-uid>')
    .description(
      'revoke a device certificate (by serial) or all certificates of a device (by UID), then publish the CRL',
    )
    .requiredOption('--reason <reason>', `why: ${REVOCATION_REASONS.join(', ')}`)
    .option('--note <text>', 'note kept with the revocation (e.g. the investigation ticket)')
    .option('--uid', 'treat the argument as a device UID even if it looks like a serial number')
    .action(async (target: string, o: { reason: string; note?: string; uid?: boolean }) => {
      const c = ctx();
      const db = openStationDb(c.home);
      try {
        const vault = await openVault(c.home);
        const audit = await AuditLog.open(db, vault, loadConfig(c.home).stationId);
        const station = await openCa(c.home, { db, secrets: vault });
        try {
          const bySerial =
            !o.uid && looksLikeSerial(target) ? station.findBySerial(normaliseSerial(target)) : undefined;
          if (bySerial && station.findIssued(target) && bySerial.deviceUid !== target) {
            throw usageError(
              `'${target}' is both a certificate serial number and a device UID.`,
              'Add --uid to revoke every certificate of the device, or give the serial with colons (aa:bb:…) to revoke that certificate.',
            );
          }
          const out = await station.revoke(bySerial ? { serial: target } : { deviceUid: target }, {
            reason: o.reason,
            actor: os.userInfo().username,
            ...(o.note ? { note: o.note } : {}),
            audit,
          });
          // The org Asset is flagged when the org is reachable; otherwise the flag waits (ca org-sync).
          const org = await syncOrgFlags(c.home, db, vault);
          c.result(
            {
              revoked: out.revoked,
              alreadyRevoked: out.alreadyRevoked,
              crl: { number: out.crl.number, entries: out.crl.entries, nextUpdate: out.crl.nextUpdate },
              org,
            },
            (r) =>
              [
                ...r.revoked.map((e) => `revoked  serial ${e.serial}  device ${e.deviceUid}  (${e.reason})`),
                ...r.alreadyRevoked.map(
                  (e) => `already revoked on ${e.revokedAt}: serial ${e.serial} (${e.reason})`,
                ),
                `CRL ${r.crl.number} published with ${r.crl.entries} entries (ca/crl.pem); next update ${r.crl.nextUpdate}.`,
                ...orgSyncLines(r.org),
              ].join('\n'),
          );
        } finally {
          station.close();
          await audit.anchored(); // the revocation's entries reach the rollback anchor before exit
        }
      } finally {
        db.close();
      }
    });

  ca.command('org-sync')
    .description(
      'flag in Salesforce the Assets of revoked devices that could not be flagged when they were revoked (Certificate_Status__c = Revoked)',
    )
    .action(async () => {
      const c = ctx();
      const db = openStationDb(c.home);
      try {
        const r = await syncOrgFlags(c.home, db, await openVault(c.home));
        c.result(r, (x) =>
          [...orgSyncLines(x), ...(x.done.length || x.error ? [] : ['org: nothing to flag.'])].join('\n'),
        );
        if (r.error) process.exitCode = 1;
      } finally {
        db.close();
      }
    });

  ca.command('crl')
    .description(
      'publish a fresh CRL and print it (PEM), write it (--out), or serve it on loopback HTTP (--serve)',
    )
    .option('--out <file>', 'write the CRL to this file instead of printing it')
    .option('--der', 'DER instead of PEM (with --out)')
    .option('--serve', 'serve the current CRL on http://127.0.0.1:PORT/crl.der until stopped (Ctrl-C)')
    .option('--port <n>', 'port for --serve (default: a free one)', '0')
    .action(async (o: { out?: string; der?: boolean; serve?: boolean; port: string }) => {
      const c = ctx();
      const station = await openCa(c.home);
      try {
        if (o.serve) {
          const port = Number(o.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) {
            throw usageError(
              `--port ${o.port} is not a port number.`,
              'Give a number from 1 to 65535 (0: any free port).',
            );
          }
          const server = await serveCrl(async () => (await station.currentCrl()).der, { port });
          c.result({ url: `${server.url}/crl.der` }, (r) => `Serving the CRL at ${r.url} (Ctrl-C to stop).`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await server.close();
          return;
        }
        const crl = await station.publishCrl();
        const summary = {
          number: crl.number,
          entries: crl.entries,
          thisUpdate: crl.thisUpdate,
          nextUpdate: crl.nextUpdate,
        };
        if (o.out) {
          fs.writeFileSync(o.out, o.der ? Buffer.from(crl.der) : encodePem('X509 CRL', crl.der));
          c.result(
            { ...summary, out: o.out },
            (r) => `CRL ${r.number} (${r.entries} entries) written to ${r.out}.`,
          );
        } else if (c.json) {
          c.result({ ...summary, pem: encodePem('X509 CRL', crl.der) }, () => '');
        } else {
          process.stdout.write(encodePem('X509 CRL', crl.der));
        }
      } finally {
        station.close();
      }
    });
}
