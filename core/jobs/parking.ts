/**
 * Org outage parking: when Salesforce cannot be reached at an org step, a provisioning job does not fail.
 * The device-side steps before it have finished (identify … sign; the certificate waits on the station until
 * the org has accepted the identity), so the job is journaled as `parked` ("waiting for Salesforce") and
 * the bay is free for the next device. A {@link ParkedDrainer}
 * probes the org with a bounded backoff and, once it answers, runs the org step of every parked job
 * without its device (the Asset upsert is keyed by the device UID as external ID, so an attempt whose
 * answer was lost never creates a second Asset). The rest (certificate install, asset token, write-back,
 * read-back) runs on the device's next attach, after the same-device check (same-device.ts). docs/operations.md, "Org outage".
 */
import type { SagaPorts } from '../bays/ports';
import type { DeviceDriver } from '../device';
import type { Job, StepName } from '../../shared/domain';
import { StationError, toErrorShape, type ErrorCode, type StationErrorShape } from '../../shared/errors';
import type { Journal, JobRow } from '../records/journal';
import { sleep } from './recovery';

/**
 * Error codes that park a job at an org step: the org did not answer, answered 5xx or a maintenance
 * page, or cut the answer off (ORG_UNAVAILABLE: core/salesforce/errors.ts), or is out of API calls for
 * now (ORG_LIMIT: HTTP 429 or REQUEST_LIMIT_EXCEEDED, docs/salesforce-wire.md §4.3). Everything else the
 * org says — a session that cannot be renewed (ORG_AUTH), refused data (ORG_REJECTED), setup problems
 * (ORG_CONFIG), duplicates, clones — needs a person and fails the job as before.
 */
const PARKING_CODES: ReadonlySet<ErrorCode> = new Set(['ORG_UNAVAILABLE', 'ORG_LIMIT']);

/** Steps that talk to the org only: a parked job runs them without its device. */
export const DEVICELESS_STEPS: ReadonlySet<StepName> = new Set(['upsert-asset']);

/** Steps at which an unreachable org parks the job (the device steps before them are done). */
export const PARKING_STEPS: ReadonlySet<StepName> = new Set(['upsert-asset', 'asset-token']);

/** True when `error` means "Salesforce is out of reach for now" (the job parks), false when it fails. */
export function isOrgOutage(error: Pick<StationErrorShape, 'code'>): boolean {
  return PARKING_CODES.has(error.code);
}

/** True when a failure of `step` with `error` parks the job instead of failing it. */
export function parksAt(step: StepName, error: Pick<StationErrorShape, 'code'>): boolean {
  return PARKING_STEPS.has(step) && isOrgOutage(error);
}

/** What a parked job waits for: the org (nothing registered yet) or its device (registered, ID not on it). */
export type ParkedFor = 'salesforce' | 'device';

/**
 * The parked job's explanation (journaled as its `error`; `details.parked` says what it waits for).
 * @param cause the org error that parked it (its message is kept in `details.cause`).
 */
export function parkedShape(
  waitsFor: ParkedFor,
  assetId?: string,
  cause?: StationErrorShape,
): StationErrorShape {
  if (waitsFor === 'salesforce')
    return new StationError(
      'ORG_UNAVAILABLE',
      "Waiting for Salesforce: the device's certificate is signed and waits on the station, but Salesforce could not be reached to register its Asset (nothing is put on the device before Salesforce accepts it).",
      'Unplug the device and go on with the next one: the station registers it when Salesforce is back. Then plug the device in again (any bay) to install its certificate and store its Asset ID.',
      { parked: 'salesforce', ...(cause ? { cause: cause.message } : {}) },
    ).toShape();
  return new StationError(
    'DEVICE_PORT_NOT_FOUND',
    `Registered in Salesforce${assetId ? ` (Asset ${assetId})` : ''}, certificate and Asset ID not yet on the device: plug it in again.`,
    'Plug the device in again on any bay: the station checks it is the same device, installs its certificate and stores its Asset ID.',
    { parked: 'device', ...(assetId ? { assetId } : {}) },
  ).toShape();
}

/** What a parked job waits for, from its journaled row (undefined: not parked). */
export function parkedFor(
  job: Pick<JobRow, 'state' | 'error'> | Pick<Job, 'state' | 'error'>,
): ParkedFor | undefined {
  if (job.state !== 'parked') return undefined;
  return job.error?.details?.parked === 'device' ? 'device' : 'salesforce';
}

/**
 * The device a parked job runs with while it is not attached: any use is DEVICE_PORT_NOT_FOUND (only
 * {@link DEVICELESS_STEPS} run this way, and they never touch it).
 */
export function absentDevice(): DeviceDriver {
  return new Proxy({} as DeviceDriver, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a thenable
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        'The device is not attached.',
        'Plug the device in again; its job carries on from there.',
      );
    },
  });
}

/**
 * The drainer's probe: one cheap call — the SOQL look-up of the oldest waiting device's Asset (a GET).
 * @throws StationError what the org port throws while Salesforce is out of reach.
 */
export async function probeOrg(ports: Pick<SagaPorts, 'org'>, drainer: ParkedDrainer): Promise<void> {
  const first = drainer.waiting()[0];
  if (first?.deviceUid) await (await ports.org()).findAssetByUid(first.deviceUid);
}

/** Backoff of the org probe while parked jobs wait, ms. */
export interface DrainBackoff {
  /** First pause after a job parks. Default 1000. */
  firstMs: number;
  /** Upper bound of the pause (it doubles up to this). Default 30 000. */
  maxMs: number;
}

/** Default probe backoff: 1 s doubling to 30 s. */
export const DRAIN_BACKOFF: DrainBackoff = { firstMs: 1000, maxMs: 30_000 };

/** What the drainer needs. */
export interface DrainerDeps {
  journal: Journal;
  /** One cheap org call; throws (a StationError) while the org is out of reach. */
  probe(): Promise<void>;
  /** Runs the org steps of a parked job without its device; resolves with the job as it ends. */
  drain(jobId: string): Promise<Job>;
  log(level: 'info' | 'warn', message: string): void;
  backoff?: DrainBackoff;
}

/**
 * Completes the org steps of jobs parked "waiting for Salesforce". {@link wake} when a job parks (or at
 * start-up, for jobs parked before a restart): it probes the org after `firstMs`, doubling the pause up
 * to `maxMs` while the org is out of reach, and drains every waiting job once a probe answers; it
 * stops when none is left. One loop at a time; {@link close} ends it.
 */
export class ParkedDrainer {
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private again = false;

  constructor(private readonly deps: DrainerDeps) {}

  /** Jobs waiting for Salesforce now (journal order). */
  waiting(): JobRow[] {
    return this.deps.journal.jobsInState('parked').filter((j) => parkedFor(j) === 'salesforce');
  }

  /** Starts the loop if parked jobs wait and it is not running. */
  wake(): void {
    if (this.abort.signal.aborted) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (this.again && !this.abort.signal.aborted) this.wake();
    });
  }

  /**
   * One probe now and, when the org answers, the org steps of every job waiting for Salesforce (the
   * CLI's `jobs drain`: a CLI station is not open long enough for the loop).
   * @returns whether the org answered, the probe's error when it did not, and the jobs as they ended.
   */
  async once(): Promise<{ reachable: boolean; error?: StationErrorShape; jobs: Job[] }> {
    try {
      await this.deps.probe();
    } catch (e) {
      return { reachable: false, error: toErrorShape(e), jobs: [] };
    }
    const jobs = await Promise.all(
      this.waiting().map((j) =>
        Promise.resolve(j.id)
          .then(this.deps.drain)
          .catch(() => undefined),
      ),
    );
    return { reachable: true, jobs: jobs.filter((j): j is Job => j !== undefined) };
  }

  /** Resolves when the current loop (if any) has ended: tests and shutdown. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Stops probing (parked jobs stay parked in the journal and resume at the next start). */
  async close(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { firstMs, maxMs } = this.deps.backoff ?? DRAIN_BACKOFF;
    const signal = this.abort.signal;
    let pause = firstMs;
    while (!signal.aborted) {
      this.again = false;
      if (this.waiting().length === 0) return;
      await sleep(pause, signal);
      if (signal.aborted) return;
      try {
        await this.deps.probe();
      } catch (e) {
        pause = Math.min(pause * 2, maxMs);
        this.deps.log(
          'info',
          `Salesforce still out of reach (${(e as Error).message}); next try in ${pause / 1000} s`,
        );
        continue;
      }
      const jobs = this.waiting();
      this.deps.log('info', `Salesforce answers again: registering ${jobs.length} parked job(s)`);
      // A job whose device came back meanwhile is running (CONFLICT): its own run does the org step.
      const ended = await Promise.all(
        jobs.map((j) =>
          Promise.resolve(j.id)
            .then(this.deps.drain)
            .catch(() => undefined),
        ),
      );
      // Parked again (the org went away mid-drain): keep backing off; else start over from the first pause.
      pause = ended.some((j) => j && parkedFor(j) === 'salesforce') ? Math.min(pause * 2, maxMs) : firstMs;
    }
  }
}
