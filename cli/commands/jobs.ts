/**
 * `asset-station jobs parked|drain|retry`: the jobs parked by an org outage (core/jobs/parking.ts), and
 * the window's Retry (`jobs retry`, ./jobs-retry.ts).
 * - `jobs parked`: each parked job — device, job, since when, and what it waits for: Salesforce (its
 *   Asset is not registered yet) or its device (registered; plug it in again to store the Asset ID).
 * - `jobs drain`: asks Salesforce once now and registers every job waiting for it (a CLI station is not
 *   open long enough for the background retry the desktop app runs). Exit 1 while Salesforce is still
 *   out of reach.
 */
import type { Command } from 'commander';
import type { Job } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { Station } from '../../core/station';
import { parkedFor } from '../../core/jobs/parking';
import type { CliContext } from '../context';
import { openStation } from '../open-station';
import { registerRetry } from './jobs-retry';

/** What a parked job waits for, in words. */
function waitsFor(j: Job): string {
  return parkedFor(j) === 'device' ? 'its device (plug it in again)' : 'Salesforce';
}

/** One line per parked job for people. */
export function parkedLines(jobs: Job[]): string {
  if (jobs.length === 0) return 'No parked jobs.';
  const width = Math.max(18, ...jobs.map((j) => (j.deviceUid ?? '').length));
  return [
    `${jobs.length} parked job(s):`,
    ...jobs.map((j) =>
      [
        '  ' + (j.deviceUid ?? '-').padEnd(width),
        j.id,
        (j.endedAt ?? j.startedAt).slice(0, 19).replace('T', ' '),
        `waiting for ${waitsFor(j)}`,
      ].join('  '),
    ),
  ].join('\n');
}

export function register(program: Command, ctx: () => CliContext): void {
  const jobs = program
    .command('jobs')
    .description('jobs parked by a Salesforce outage (list, drain); retry a job that did not finish');
  registerRetry(jobs, ctx);

  jobs
    .command('parked')
    .description('list the jobs parked by a Salesforce outage and what each waits for')
    .action(async () => {
      const c = ctx();
      const station = await Station.open({ home: c.home, transport: 'in-process' });
      try {
        c.result(await station.listParkedJobs({}), parkedLines);
      } finally {
        await station.close();
      }
    });

  jobs
    .command('drain')
    .description('ask Salesforce now and register the parked jobs waiting for it')
    .action(async () => {
      const c = ctx();
      const station = await openStation(c);
      try {
        const r = await station.drainParkedJobs({});
        if (!r.reachable)
          throw new StationError(
            'ORG_UNAVAILABLE',
            `Salesforce is still out of reach, so the parked jobs stay parked${r.error ? `: ${r.error.message}` : ''}.`,
            'Nothing is lost: run asset-station jobs drain again later (or leave the desktop app open: it retries by itself).',
          );
        const left = await station.listParkedJobs({});
        c.result(
          {
            registered: r.jobs.filter((j) => parkedFor(j) === 'device' || j.state === 'succeeded'),
            parked: left,
          },
          (v) =>
            [
              `Salesforce answered: ${v.registered.length} job(s) registered.`,
              parkedLines(v.parked),
              ...(v.parked.some((j) => parkedFor(j) === 'device')
                ? [
                    'Plug those devices in again and run asset-station provision for them: their Asset IDs are stored then.',
                  ]
                : []),
            ].join('\n'),
        );
      } finally {
        await station.close();
      }
    });
}
