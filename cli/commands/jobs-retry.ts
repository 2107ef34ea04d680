/**
 * `asset-station jobs retry <jobId> [--port L] [--account ID] [--contact ID] [--work-order WO]`: the
 * window's Retry on the command line. It attaches the device's port (by default the one the job last
 * ran on; a device that moved is followed by its hardware UID) and resumes the failed, cancelled or
 * interrupted job from its last finished step through the station API's `retryJob` — so the rules are
 * the window's (core/jobs/runner.ts retryJob, core/jobs/retry-inputs.ts, core/operators/guard.ts): the
 * operator signed in with ASSET_STATION_OPERATOR needs a role that may run the job's kind; inputs fill
 * missing ones or replace an Account the org refused; replacing any other one is an administrator's act
 * (signed in as one, or the admin PIN from ASSET_STATION_ADMIN_PIN on a station without operator
 * accounts). Exit status as `provision`: 0 done, 1 failed, 3 parked, 130 Ctrl-C.
 */
import type { Command } from 'commander';
import type { Job } from '../../shared/domain';
import { StationError, isStationError } from '../../shared/errors';
import { ADMIN_PIN_ENV } from '../../core/operators/admin-pin';
import type { Station } from '../../core/station';
import type { CliContext } from '../context';
import { openStation } from '../open-station';
import { jobInputOption, locatorOption } from '../options';
import { EXIT_INTERRUPTED, interruptOnCtrlC, printInterrupted } from '../interrupt';
import { printProgress, recordsTable, stdoutOutput } from '../run-jobs';
import { EXIT_PARKED } from './provision';

/** Options of `jobs retry`. */
interface RetryOptions {
  port?: string;
  account?: string;
  contact?: string;
  workOrder?: string;
}

/** The inputs given on the command line, as the API's RetryInputs (absent when none). */
function inputsOf(o: RetryOptions): Record<string, string> | undefined {
  const inputs = {
    ...(o.account !== undefined ? { accountId: o.account } : {}),
    ...(o.contact !== undefined ? { contactId: o.contact } : {}),
    ...(o.workOrder !== undefined ? { workOrder: o.workOrder } : {}),
  };
  return Object.keys(inputs).length ? inputs : undefined;
}

/**
 * Resumes `jobId` on `station` (the job's own port unless `o.port`) and waits for its end, printing its
 * steps. @throws StationError NOT_FOUND (no such job), and whatever `attachBay` and `retryJob` refuse.
 */
async function retry(station: Station, c: CliContext, jobId: string, o: RetryOptions): Promise<Job> {
  const row = station.journal.getJob(jobId);
  if (!row)
    throw new StationError(
      'NOT_FOUND',
      `There is no job ${jobId} at this station (${c.home}); nothing was done.`,
      'Copy the job id from asset-station journal list (failed ones: --outcome failed) or asset-station jobs parked.',
    );
  const bay = await station.attachBay({ locator: o.port ?? row.locator });
  const adminPin = process.env[ADMIN_PIN_ENV] || undefined;
  const inputs = inputsOf(o);
  const unsubscribe = printProgress(station, [bay], stdoutOutput(c.json)); // before it starts: every step
  try {
    const started = await station.retryJob({
      jobId,
      ...(inputs ? { inputs } : {}),
      ...(adminPin ? { adminPin } : {}),
    });
    return await station.waitForJob(started.id);
  } catch (e) {
    // the window asks for the admin PIN; the command line takes it from the environment
    if (isStationError(e) && e.code === 'UNAUTHORIZED' && inputs && !adminPin)
      throw new StationError(
        e.code,
        e.message,
        `${e.remedy} On the command line: sign in as an administrator (ASSET_STATION_OPERATOR), or, on a station without operator accounts, set ${ADMIN_PIN_ENV}.`,
        e.details,
      );
    throw e;
  } finally {
    unsubscribe();
  }
}

/** Registers `jobs retry` on the `jobs` command group. */
export function registerRetry(jobs: Command, ctx: () => CliContext): void {
  jobs
    .command('retry <jobId>')
    .description(
      "resume a failed, cancelled or interrupted job from its last finished step (the window's Retry); inputs fill missing ones or replace an Account Salesforce refused",
    )
    .option('--port <locator>', "the device's port (default: the port the job last ran on)", (v: string) =>
      locatorOption(v),
    )
    .option(
      '--account <id>',
      "the customer's Account Id (fills a missing one or replaces one Salesforce refused)",
    )
    .option('--contact <id>', "the customer's Contact Id")
    .option('--work-order <id>', 'the work order, when the job has none', (v: string) =>
      jobInputOption(v, '--work-order'),
    )
    .action(async (jobId: string, o: RetryOptions) => {
      const c = ctx();
      const station = await openStation(c);
      const out = stdoutOutput(c.json);
      const stop = interruptOnCtrlC(station, out);
      try {
        const job = await retry(station, c, jobId, o);
        const deviceUid = job.deviceUid ?? '';
        if (stop.requested()) {
          printInterrupted([{ bayId: job.bayId, deviceUid, job, alreadyProvisioned: false }], out);
          process.exitCode = EXIT_INTERRUPTED;
          return;
        }
        const record = job.kind === 'provision' ? (await station.getRecord({ jobId })).record : undefined;
        if (out.json) out.write(JSON.stringify({ type: 'result', job, ...(record ? { record } : {}) }));
        else if (record) out.write(recordsTable([record]));
        if (job.state === 'parked') {
          process.exitCode = EXIT_PARKED;
          process.stderr.write(
            `Job ${job.id} is parked, waiting for Salesforce: nothing failed. Run asset-station jobs drain when it is back.\n`,
          );
        } else if (job.state !== 'succeeded')
          throw new StationError(
            job.error?.code ?? 'JOB_STEP_FAILED',
            `Job ${job.id} (device ${deviceUid || 'unknown'}) did not finish${job.error ? `: ${job.error.message}` : ` (${job.state})`}`,
            job.error?.remedy ?? 'See the step lines above.',
          );
        else if (!out.json) out.write(`Job ${job.id} (device ${deviceUid}) finished.`);
      } finally {
        await station.close();
        stop.dispose();
      }
    });
}
