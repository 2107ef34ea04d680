/**
 * `asset-station provision --port <locator>…` and `asset-station verify --port <locator>…`: run the
 * main job (or QA verify) on real or simulated devices with this home's configuration, CA and org.
 * A device with an unfinished job resumes it from its last finished step.
 */
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import { ADMIN_PIN_ENV } from '../../core/operators/admin-pin';
import { usageError, type CliContext } from '../context';
import { openStation } from '../open-station';
import { jobInputOption, locatorOption } from '../options';
import { provisionWithProgress, recordsTable, stdoutOutput, verifyBays, verifyLines } from '../run-jobs';
import { EXIT_INTERRUPTED, interruptOnCtrlC, printInterrupted } from '../interrupt';
import { readSecret } from '../secrets-prompt';
import { parkedLines } from './jobs';

/**
 * Exit status of `provision` when no device failed but some are parked by a Salesforce outage
 * (core/jobs/parking.ts): distinct from 0 (all provisioned) and 1 (a device failed).
 */
export const EXIT_PARKED = 3;

const PARKED_ADVICE =
  'Unplug them and go on. When Salesforce is back, run asset-station jobs drain (or provision them again): each is registered once; then plug each in again and run provision to install its certificate and store its Asset ID.';

/** Collects a repeated --port, checking each locator as it is parsed (a bad one is a usage error). */
const collect = (v: string, prev: string[]) => [...prev, locatorOption(v)];

/** The ports given (commander's default `[]` satisfies a required option). @throws UsageError when none */
function portsOf(o: { port: string[] }, command: string): string[] {
  if (o.port.length === 0)
    throw usageError(
      `${command} needs at least one --port.`,
      `Run e.g. asset-station ${command} --port serial:/dev/ttyUSB0.`,
    );
  return o.port;
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('provision')
    .description(
      'provision the device(s) on the given port(s): key on device, CSR, certificate, Asset, write-back',
    )
    .requiredOption(
      '--port <locator>',
      'serial:/dev/ttyUSB0, tcp:host:port or sim:NAME (repeat for several bays)',
      collect,
      [],
    )
    .option('--work-order <id>', 'work order to record with the job', (v: string) =>
      jobInputOption(v, '--work-order'),
    )
    .option(
      '--lot <id>',
      'production lot to record with the job (yield analytics and QA lots group by it)',
      (v: string) => jobInputOption(v, '--lot'),
    )
    .option(
      '--account <id>',
      "Salesforce Account Id for the Asset (overrides the configured one; fills a resumed job's missing Account or replaces one Salesforce refused)",
    )
    .option(
      '--reprovision',
      `admin override: give a device that already has an identity a new key (needs the admin PIN: ${ADMIN_PIN_ENV} or a prompt; recorded in the audit log)`,
    )
    .action(
      async (o: {
        port: string[];
        workOrder?: string;
        lot?: string;
        account?: string;
        reprovision?: boolean;
      }) => {
        const c = ctx();
        const ports = portsOf(o, 'provision');
        const out = stdoutOutput(c.json);
        const adminPin = o.reprovision
          ? await readSecret(ADMIN_PIN_ENV, 'Admin PIN (re-provision override): ')
          : undefined;
        const station = await openStation(c);
        const stop = interruptOnCtrlC(station, out);
        try {
          // The org is reached when a job first needs it (stored session, or the JWT bearer flow).
          const bays = [];
          for (const locator of ports) bays.push(await station.attachBay({ locator }));
          const inputs = {
            ...(o.workOrder ? { workOrder: o.workOrder } : {}),
            ...(o.lot ? { lot: o.lot } : {}),
            ...(o.account ? { accountId: o.account } : {}),
          };
          if (stop.requested()) {
            process.exitCode = EXIT_INTERRUPTED; // Ctrl-C before any job started: nothing was done
            return;
          }
          const { outcomes, records } = await provisionWithProgress(station, bays, out, {
            inputs,
            ...(o.reprovision ? { reprovision: true, adminPin } : {}),
          });
          if (stop.requested()) {
            printInterrupted(outcomes, out);
            process.exitCode = EXIT_INTERRUPTED;
            return;
          }
          c.info(recordsTable(records));
          if (out.json)
            out.write(
              JSON.stringify({
                type: 'result',
                records,
                alreadyProvisioned: outcomes.filter((x) => x.alreadyProvisioned).map((x) => x.deviceUid),
                parked: outcomes.filter((x) => x.job.state === 'parked').map((x) => x.job),
              }),
            );
          const parked = outcomes.filter((x) => x.job.state === 'parked').map((x) => x.job);
          if (parked.length)
            c.info(`${parkedLines(parked)}
${PARKED_ADVICE}`);
          const failed = outcomes.filter((x) => x.job.state !== 'succeeded' && x.job.state !== 'parked');
          if (failed.length) {
            const e = failed[0]!.job.error;
            throw new StationError(
              e?.code ?? 'JOB_STEP_FAILED',
              `${failed.length} of ${outcomes.length} device(s) were not provisioned${e ? `: ${e.message}` : ''}`,
              e?.remedy ?? 'See the step lines above.',
            );
          }
          if (parked.length) {
            process.exitCode = EXIT_PARKED;
            process.stderr.write(
              `${parked.length} of ${outcomes.length} device(s) parked, waiting for Salesforce: each certificate waits on the station until Salesforce accepts the device, nothing failed.\n${PARKED_ADVICE}\n`,
            );
          }
        } finally {
          await station.close();
          stop.dispose();
        }
      },
    );

  program
    .command('verify')
    .description('QA: re-verify the identity of the device(s) on the given port(s) end to end')
    .requiredOption('--port <locator>', 'device locator (repeat for several bays)', collect, [])
    .action(async (o: { port: string[] }) => {
      const c = ctx();
      const ports = portsOf(o, 'verify');
      const station = await openStation(c);
      try {
        const bays = [];
        for (const locator of ports) bays.push(await station.attachBay({ locator }));
        const reports = await verifyBays(station, bays);
        c.result(reports, verifyLines);
        const failed = reports.filter((r) => !r.passed);
        if (failed.length)
          throw new StationError(
            'VERIFY_FAILED',
            `${failed.length} of ${reports.length} device(s) failed verification.`,
            'Do not ship them; see the failed checks above.',
          );
      } finally {
        await station.close();
      }
    });
}
