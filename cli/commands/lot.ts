/**
 * `asset-station lot`: QA lots (core/qa/, docs/qa.md).
 *
 * - `lot create --work-order WO | --lot L | --scan [--name N]`: a lot of the devices provisioned under a
 *   work order or production lot, or an empty one to add scanned UIDs to;
 * - `lot add <lotId> <uid…>`: adds devices by UID (a scanner types the UID and Enter);
 * - `lot verify <lotId> --port L [--port L…]`: attaches the ports and verifies the lot's devices on them;
 * - `lot sign-off <lotId> --accept|--reject [--note T] [--disposition UID=scrap|rework|quarantine:reason…]`;
 * - `lot report <lotId> --format pdf|csv [--out FILE]`: written to the station home's reports folder
 *   (`<home>/reports/qa-lot-<lotId>[-<verdict>].pdf|csv`) unless --out names a file; prints the path;
 * - `lot list`; `lot show <lotId>`.
 *
 * Sign in as a QA inspector with ASSET_STATION_OPERATOR (cli/commands/operator.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DISPOSITIONS, type DeviceDisposition, type Lot, type LotDevice } from '../../shared/qa';
import type { Station } from '../../core/station';
import { usageError, type CliContext } from '../context';
import { openStation } from '../open-station';

const collect = (v: string, prev: string[]) => [...prev, v];

/** The station home's folder of reports (`<home>/reports`), where `lot report` writes unless told otherwise. */
export const REPORTS_DIR = 'reports';

async function withStation<T>(c: CliContext, fn: (s: Station) => Promise<T>): Promise<T> {
  const station = await openStation(c);
  try {
    return await fn(station);
  } finally {
    await station.close();
  }
}

function deviceLine(d: LotDevice): string {
  const v = d.verification;
  const result = v ? (v.passed ? 'PASS' : 'FAIL') : 'not verified';
  const failed = v?.checks.filter((k) => !k.passed).map((k) => `${k.name}: ${k.detail}`) ?? [];
  return [
    `${d.deviceUid.padEnd(24)} ${result}`,
    ...failed.map((f) => `    ${f}`),
    ...(!v && d.notVerified ? [`    ${d.notVerified}`] : []),
    ...(v && !v.passed && d.provisioning
      ? [`    provisioning record: asset-station journal show ${d.provisioning.jobId}`]
      : []),
    ...(d.disposition ? [`    disposition: ${d.disposition.disposition} (${d.disposition.note})`] : []),
  ].join('\n');
}

function lotText(l: Lot): string {
  const passed = l.devices.filter((d) => d.verification?.passed).length;
  const failed = l.devices.filter((d) => d.verification && !d.verification.passed).length;
  return [
    `${l.id}  ${l.name}: ${l.devices.length} devices, ${passed} passed, ${failed} failed, ${l.devices.length - passed - failed} not verified`,
    ...l.devices.map(deviceLine),
    l.signOff
      ? `Signed off ${l.signOff.verdict.toUpperCase()} by ${l.signOff.name} (${l.signOff.login}) at ${l.signOff.at}`
      : 'Not signed off yet.',
  ].join('\n');
}

/** `UID=kind:reason` → a disposition. @throws UsageError when it is not of that shape. */
export function parseDisposition(text: string): DeviceDisposition {
  const m = /^([^=]+)=([a-z]+):(.+)$/s.exec(text.trim());
  const kind = DISPOSITIONS.find((k) => k === m?.[2]);
  if (!m || !kind || m[3]!.trim().length < 3)
    throw usageError(
      `--disposition ${text} is not UID=${DISPOSITIONS.join('|')}:reason.`,
      'Give the device UID, the disposition and a short reason, e.g. --disposition SIM-0002=quarantine:"key does not match".',
    );
  return { deviceUid: m[1]!.trim(), disposition: kind, note: m[3]!.trim() };
}

export function register(program: Command, ctx: () => CliContext): void {
  const lot = program
    .command('lot')
    .description('QA lots: create, add, verify, sign-off, report (sign in as QA: ASSET_STATION_OPERATOR)');

  lot
    .command('create')
    .description(
      'a lot of the devices provisioned under a work order or production lot, or an empty one to scan into',
    )
    .option('--work-order <id>', 'every device provisioned under this work order')
    .option('--lot <id>', 'every device provisioned with this production lot')
    .option('--scan', 'an empty lot; add devices with `lot add`')
    .option('--name <name>', 'a name for people (default: the source)')
    .action(async (o: { workOrder?: string; lot?: string; scan?: boolean; name?: string }) => {
      const c = ctx();
      const given = [o.workOrder, o.lot, o.scan].filter((x) => x !== undefined).length;
      if (given !== 1)
        throw usageError(
          'Say how to choose the lot’s devices: one of --work-order, --lot or --scan.',
          'For example: asset-station lot create --work-order WO-1234',
        );
      const source = o.workOrder
        ? ({ kind: 'work-order', value: o.workOrder } as const)
        : o.lot
          ? ({ kind: 'lot', value: o.lot } as const)
          : ({ kind: 'scan' } as const);
      const l = await withStation(c, (s) => s.createLot({ source, ...(o.name ? { name: o.name } : {}) }));
      c.result(l, lotText);
    });

  lot
    .command('add <lotId> <uid...>')
    .description('add devices to an open lot by UID (scanned or typed)')
    .action(async (lotId: string, uids: string[]) => {
      const c = ctx();
      const l = await withStation(c, async (s) => {
        let last: Lot | undefined;
        for (const deviceUid of uids) last = await s.addLotDevice({ lotId, deviceUid });
        return last!;
      });
      c.result(l, lotText);
    });

  lot
    .command('verify <lotId>')
    .description('attach the ports and verify the lot’s devices found on them (all at once)')
    .requiredOption('--port <locator>', 'device locator (repeat for several bays)', collect, [])
    .action(async (lotId: string, o: { port: string[] }) => {
      const c = ctx();
      const l = await withStation(c, async (s) => {
        for (const locator of o.port) await s.attachBay({ locator });
        return s.verifyLot({ lotId });
      });
      c.result(l, lotText);
      if (l.devices.some((d) => d.verification && !d.verification.passed)) process.exitCode = 1;
    });

  lot
    .command('sign-off <lotId>')
    .description('sign the lot off: accepted (failures need a disposition each) or rejected')
    .option('--accept', 'accept the lot')
    .option('--reject', 'reject the lot')
    .option('--note <text>', 'a note kept with the sign-off')
    .option(
      '--disposition <UID=kind:reason>',
      `a failed device's disposition (${DISPOSITIONS.join(', ')})`,
      collect,
      [],
    )
    .action(
      async (
        lotId: string,
        o: { accept?: boolean; reject?: boolean; note?: string; disposition: string[] },
      ) => {
        const c = ctx();
        if (!!o.accept === !!o.reject)
          throw usageError(
            'Say --accept or --reject (one of them).',
            `For example: asset-station lot sign-off ${lotId} --accept (every device passed, or each failed one has a --disposition), or --reject --note "why"`,
          );
        const dispositions = o.disposition.map(parseDisposition);
        const l = await withStation(c, (s) =>
          s.signOffLot({
            lotId,
            verdict: o.accept ? 'accepted' : 'rejected',
            ...(o.note ? { note: o.note } : {}),
            ...(dispositions.length ? { dispositions } : {}),
          }),
        );
        c.result(l, lotText);
      },
    );

  lot
    .command('report <lotId>')
    .description('the lot report as PDF or CSV (one row per device per check)')
    .option('--format <format>', 'pdf or csv', 'pdf')
    .option(
      '--out <file>',
      'write it here (default: the report’s own name in the station home’s reports folder)',
    )
    .action(async (lotId: string, o: { format: string; out?: string }) => {
      const c = ctx();
      if (o.format !== 'pdf' && o.format !== 'csv')
        throw usageError(`--format ${o.format} is not pdf or csv.`, 'Use --format pdf or --format csv.');
      const format = o.format;
      const r = await withStation(c, (s) => s.exportLotReport({ lotId, format }));
      // the station home's reports folder by default, never the folder the command was typed in
      const dir = path.join(c.home, REPORTS_DIR);
      if (!o.out) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const out = path.resolve(o.out ?? path.join(dir, r.filename));
      fs.writeFileSync(out, Buffer.from(r.content, r.encoding === 'base64' ? 'base64' : 'utf8'));
      c.result(
        { lotId, format, written: out },
        (x) => `Lot report ${x.lotId} (${x.format}) written to ${x.written}`,
      );
    });

  lot
    .command('list')
    .description('the lots, newest first, with counts')
    .action(async () => {
      const c = ctx();
      const lots = await withStation(c, (s) => s.listLots({}));
      c.result(lots, (l) =>
        l.length === 0
          ? 'No QA lots yet (create one with `lot create`).'
          : l
              .map(
                (x) =>
                  `${x.id}  ${x.signOff ? x.signOff.verdict.padEnd(8) : 'open    '} ${String(x.devices).padStart(4)} devices  ${x.passed} pass  ${x.failed} fail  ${x.unverified} not verified  ${x.name}`,
              )
              .join('\n'),
      );
    });

  lot
    .command('show <lotId>')
    .description('one lot: each device’s result, failed checks and provisioning record')
    .action(async (lotId: string) => {
      const c = ctx();
      c.result(await withStation(c, (s) => s.getLot({ lotId })), lotText);
    });
}
