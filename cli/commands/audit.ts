/** `asset-station audit verify|list`: check the hash-chained audit log for edits and deletions. */
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import type { CliContext } from '../context';
import { openVault } from '../secrets-prompt';
import { openStationDb } from '../../core/records/db';
import { loadConfig } from '../../core/config';
import { AuditLog } from '../../core/records/audit';

async function openAudit(c: CliContext) {
  const db = openStationDb(c.home);
  const vault = await openVault(c.home);
  return { db, log: await AuditLog.open(db, vault, loadConfig(c.home).stationId) };
}

export function register(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('walk the hash chain; exit 1 if any entry was edited, inserted or deleted')
    .action(async () => {
      const c = ctx();
      const { db, log } = await openAudit(c);
      try {
        const v = log.verify();
        if (!v.ok) {
          throw new StationError(
            'AUDIT_BROKEN',
            `The audit log is broken: ${v.problem}.`,
            "Treat this station's records as suspect: secure the station, keep a copy of station.db, and report it to security.",
            { entries: v.entries, ...(v.badSeq ? { badSeq: v.badSeq } : {}) },
          );
        }
        c.result(v, (r) => `audit log intact: ${r.entries} entries, chain and head verified`);
      } finally {
        db.close();
      }
    });
  audit
    .command('list')
    .description('print the audit entries')
    .option('--device <uid>', 'only entries for one device UID')
    .action(async (o: { device?: string }) => {
      const c = ctx();
      const { db, log } = await openAudit(c);
      try {
        const entries = log.entries(o.device);
        c.result(entries, (es) =>
          es
            .map(
              (e) =>
                `${e.seq}\t${e.at}\t${e.actor}\t${e.action}\t${e.deviceUid ?? ''}\t${JSON.stringify(e.data ?? {})}`,
            )
            .join('\n'),
        );
      } finally {
        db.close();
      }
    });
}
