/** `asset-station audit verify|list`: check the hash-chained audit log for edits and deletions. */
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import type { CliContext } from '../context';
import { openVault } from '../secrets-prompt';
import { openStationDb } from '../../core/records/db';
import { loadConfig, settingsFileOf } from '../../core/config';
import { AuditLog } from '../../core/records/audit';
import { compareWithOrgHead } from '../../core/records/audit-sync';
import { OrgClient } from '../../core/salesforce';
import { AuditRecords } from '../../core/salesforce/audit-records';

/**
 * The org's chain head for this station, or why it could not be read (org not configured or not reachable:
 * the local check still stands on its own).
 */
async function readOrgHead(c: CliContext) {
  try {
    const config = loadConfig(c.home);
    const client = await OrgClient.fromSecrets(config.salesforce, await openVault(c.home), {
      settingsFile: settingsFileOf(c.home),
    });
    return { head: await new AuditRecords(client.rest).head(config.stationId) };
  } catch (e) {
    return { unreachable: (e as Error).message };
  }
}

async function openAudit(c: CliContext) {
  const db = openStationDb(c.home);
  const vault = await openVault(c.home);
  return { db, log: await AuditLog.open(db, vault, loadConfig(c.home).stationId) };
}

export function register(program: Command, ctx: () => CliContext): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description(
      'walk the hash chain, and compare its head with the one in Salesforce when the org is reachable; exit 1 if any entry was edited, inserted or deleted, or the log was wiped or rolled back',
    )
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
        const org = await readOrgHead(c);
        if ('head' in org) {
          const cmp = compareWithOrgHead(
            log.head(),
            org.head,
            (seq) => log.entriesAfter(seq - 1, 1)[0]?.hash,
          );
          if (!cmp.ok) {
            throw new StationError(
              'AUDIT_BROKEN',
              `The audit log does not match Salesforce: ${cmp.problem}.`,
              "Treat this station's records as suspect: stop provisioning on it, keep a copy of station.db, and compare it with the Station Audit Entries in Salesforce with your security contact.",
              { entries: v.entries, orgHeadSeq: org.head!.seq },
            );
          }
        }
        // rollback against the anchor kept outside the database (the vault), org or no org
        const anchored = await log.verifyAnchored();
        if (!anchored.ok) {
          throw new StationError(
            'AUDIT_BROKEN',
            `The audit log is broken: ${anchored.problem}.`,
            "Treat this station's records as suspect: secure the station, keep a copy of station.db and of the vault, and report it to security.",
            { entries: anchored.entries, ...(anchored.badSeq ? { badSeq: anchored.badSeq } : {}) },
          );
        }
        const orgHead = 'head' in org ? (org.head ?? null) : undefined;
        c.result(
          { ...v, ...(orgHead !== undefined ? { orgHead } : { orgUnchecked: org.unreachable }) },
          (r) =>
            [
              `audit log intact: ${r.entries} entries, chain and head verified`,
              'orgHead' in r
                ? r.orgHead
                  ? `Salesforce anchor: entry ${r.orgHead.seq} matches`
                  : 'Salesforce holds no anchor for this station yet'
                : `Salesforce anchor not checked: ${r.orgUnchecked}\n` +
                  "what to do: the local chain above is verified; to also compare it with the org's copy of this station's chain head, connect the station to its org (asset-station org status, then org login if asked) and run audit verify again",
            ].join('\n'),
        );
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
