/** `asset-station journal list|show|export`: the provisioning records of this station. */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { RecordFilter } from '../../shared/api';
import type { ProvisioningRecord } from '../../shared/domain';
import type { CliContext } from '../context';
import { choiceOption, dateOption, integerOption } from '../options';
import { Station } from '../../core/station';

interface FilterOpts {
  text?: string;
  outcome?: string;
  kind?: string;
  from?: string;
  to?: string;
  limit?: string;
}

const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'interrupted', 'running'] as const;
const KINDS = ['provision', 'verify'] as const;

/** The record filter of the options. @throws UsageError for a value the filter does not accept */
function toFilter(o: FilterOpts): RecordFilter {
  return {
    ...(o.text ? { text: o.text } : {}),
    ...(o.outcome ? { outcome: choiceOption(o.outcome, '--outcome', OUTCOMES) } : {}),
    ...(o.kind ? { kind: choiceOption(o.kind, '--kind', KINDS) } : {}),
    ...(o.from ? { from: dateOption(o.from, '--from') } : {}),
    ...(o.to ? { to: dateOption(o.to, '--to') } : {}),
    ...(o.limit ? { limit: integerOption(o.limit, '--limit', 1, 10_000) } : {}),
  };
}

function withFilters(cmd: Command): Command {
  return cmd
    .option('--text <text>', 'match device UID, Asset ID, certificate serial or fingerprint')
    .option('--outcome <outcome>', OUTCOMES.join(' | '))
    .option('--kind <kind>', KINDS.join(' | '))
    .option('--from <iso>', 'started at or after (ISO date)')
    .option('--to <iso>', 'started at or before (ISO date)')
    .option('--limit <n>', 'at most n records');
}

/**
 * Column header matching {@link recordLine}; `uidWidth` is the device column's width in characters
 * (18, or the longest UID listed: an nRF91 IMEI ID is 20).
 */
function recordHeader(uidWidth: number): string {
  return [
    'started (UTC)'.padEnd(19),
    'kind'.padEnd(9),
    'outcome'.padEnd(11),
    'device UID'.padEnd(uidWidth),
    'Asset ID'.padEnd(18),
    'cert serial'.padEnd(13),
    'time',
  ].join('  ');
}

/** Width of the device column for these records. */
function uidWidth(records: ProvisioningRecord[]): number {
  return Math.max(18, ...records.map((r) => r.deviceUid.length));
}

/** One line per record for people. */
function recordLine(r: ProvisioningRecord, width = uidWidth([r])): string {
  const secs = r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '';
  return [
    r.startedAt.slice(0, 19).replace('T', ' '),
    r.kind.padEnd(9),
    r.outcome.padEnd(11),
    r.deviceUid.padEnd(width),
    (r.assetId ?? '-').padEnd(18),
    (r.certSerial ? r.certSerial.slice(0, 12) + '…' : '-').padEnd(13),
    secs,
    r.error ? `${r.error.code}: ${r.error.message}` : '',
  ]
    .join('  ')
    .trimEnd();
}

async function withStation<T>(c: CliContext, fn: (s: Station) => Promise<T>): Promise<T> {
  const station = await Station.open({ home: c.home, transport: 'in-process' });
  try {
    return await fn(station);
  } finally {
    await station.close();
  }
}

export function register(program: Command, ctx: () => CliContext): void {
  const journal = program.command('journal').description('provisioning records: list, show, export');

  withFilters(journal.command('list').description('list records, newest first')).action(
    async (o: FilterOpts) => {
      const c = ctx();
      const filter = toFilter(o);
      const records = await withStation(c, (s) => s.listRecords(filter));
      c.result(records, (rs) =>
        rs.length
          ? [recordHeader(uidWidth(rs)), ...rs.map((r) => recordLine(r, uidWidth(rs)))].join('\n')
          : 'No records match.',
      );
    },
  );

  journal
    .command('show <jobId>')
    .description('one record with its step timeline')
    .action(async (jobId: string) => {
      const c = ctx();
      const rec = await withStation(c, (s) => s.getRecord({ jobId }));
      c.result(rec, (r) =>
        [
          recordLine(r.record),
          ...r.steps.map(
            (st) =>
              `  ${st.state.padEnd(8)} ${st.name.padEnd(20)} ${st.detail ?? ''}${st.error ? `  ${st.error.code}: ${st.error.message} — ${st.error.remedy}` : ''}`,
          ),
        ].join('\n'),
      );
    });

  journal
    .command('label <jobId>')
    .description('the device label (62 x 29 mm SVG, QR code of the UID) of a provisioned device')
    .option('--out <file>', 'write the SVG to a file (default: label-<UID>.svg)')
    .action(async (jobId: string, o: { out?: string }) => {
      const c = ctx();
      const label = await withStation(c, (s) => s.getLabel({ jobId }));
      const file = o.out ?? label.filename;
      fs.writeFileSync(file, label.svg);
      c.result(
        { file, bytes: Buffer.byteLength(label.svg) },
        (r) => `wrote the label to ${r.file} (print at 62 x 29 mm, 100 %)`,
      );
    });

  withFilters(journal.command('export').description('export records as CSV or JSON'))
    .option('--format <format>', 'csv | json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: FilterOpts & { format: string; out?: string }) => {
      const c = ctx();
      const format = choiceOption(o.format, '--format', ['csv', 'json'] as const);
      const filter = toFilter(o);
      const file = await withStation(c, (s) => s.exportRecords({ format, filter }));
      if (o.out) {
        fs.writeFileSync(o.out, file.content);
        c.result(
          { file: o.out, bytes: Buffer.byteLength(file.content) },
          (r) => `wrote ${r.bytes} bytes to ${r.file}`,
        );
      } else process.stdout.write(file.content);
    });
}
