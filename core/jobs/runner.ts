/**
 * Job policy: which job a Start, a Retry or a plugged-in device (auto mode) runs — a new one, the
 * device's unfinished one resumed from its last finished step, or none because the device is
 * already provisioned — and the bookkeeping of running jobs (cancel, wait, the batch notification).
 * The re-provision override needs the admin PIN, checked here in the core, whatever the caller.
 */
import { checkIdentityFields } from './identity-rules';
import { familyCapabilities } from '../device';
import {
  PROVISION_STEPS,
  VERIFY_STEPS,
  type Job,
  type JobKind,
  type LogEntry,
  type StationConfig,
  type Step,
  type VerifyReport,
} from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { SagaPorts } from '../bays/ports';
import type { BayManager } from '../bays/bays';
import type { AuditLog } from '../records/audit';
import type { Journal } from '../records/journal';
import { authorityText, type AdminPin } from '../operators/admin-pin';
import { auditJob } from './job-audit';
import { Preflight, preflightError, type PreflightJob } from './preflight';
import { applyRetryInputs, type InputChange } from './retry-inputs';
import { quarantinedJob, revokedSinceProvisioned } from './quarantine';
import { JOB_INTERRUPTED, runJob, type RunnerDeps } from './saga';
import { ParkedDrainer, probeOrg } from './parking';
import type { JobMemory } from './steps/context';
import { PROVISION_JOB } from './steps';
import { VERIFY_JOB, verifyReport } from './steps/verify';

/** What the job runner needs from the station. */
export interface JobRunnerDeps {
  journal: Journal;
  audit: AuditLog;
  bays: BayManager;
  adminPin: AdminPin;
  ports: SagaPorts;
  config(): StationConfig;
  /** The station home's settings file, named in remedies about settings (pre-flight). */
  settingsFile?: string;
  operator(): string;
  onJob(job: Job): void;
  onStep(jobId: string, bayId: string, step: Step): void;
  /** A batch of jobs ended (no job is running any more). */
  onBatch(counts: { succeeded: number; failed: number }): void;
  log(level: LogEntry['level'], message: string, extra?: { bayId?: string; jobId?: string }): void;
  /** Reconnect window for vanished devices, ms (tests shorten it). */
  reconnectWindowMs?: number;
}

/** A Start request (the API's startJob). */
export interface StartRequest {
  bayId: string;
  kind: JobKind;
  inputs?: Record<string, string> | undefined;
  /** Admin override: give a device that already has an identity a new key. Needs `adminPin`. */
  reprovision?: boolean | undefined;
  adminPin?: string | undefined;
}

interface Running {
  abort: AbortController;
  done: Promise<Job>;
  bayId: string;
  /** Set on a parked job's deviceless run (no bay): what a Start or Retry of it waits for. */
  draining?: Promise<Job>;
}

/** The job input naming who authorised a re-provision (set by the core, never taken from the request). */
export const REPROVISION_AUTHORITY = 'reprovisionAuthorisedBy';

const RESUMABLE: ReadonlySet<string> = new Set(['failed', 'interrupted', 'cancelled', 'parked']);

/** Starts, resumes, retries and cancels jobs; auto mode starts them on plug-in. */
export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly memories = new Map<string, JobMemory>();
  private batch = { succeeded: 0, failed: 0 };
  private readonly preflight: Preflight;
  /** Completes parked jobs' org steps when Salesforce answers again (parking.ts). */
  readonly drainer: ParkedDrainer;

  constructor(private readonly deps: JobRunnerDeps) {
    this.preflight = new Preflight({
      ports: deps.ports,
      config: () => deps.config(),
      ...(deps.settingsFile ? { settingsFile: deps.settingsFile } : {}),
      warn: (message) => deps.log('warn', message),
    });
    this.drainer = new ParkedDrainer({
      journal: deps.journal,
      probe: () => probeOrg(deps.ports, this.drainer),
      drain: (jobId) => this.drain(jobId),
      log: (level, message) => deps.log(level, message),
    });
  }

  /**
   * Marks jobs a previous process left running as `interrupted` (they resume on Start or Retry), and
   * starts draining jobs parked before the restart.
   */
  markInterrupted(): void {
    for (const j of this.deps.journal.markInterrupted())
      auditJob(this.deps.audit, this.deps.journal, 'station', 'job.interrupted', j.id, {
        reason: 'the station stopped while the job ran',
      });
    this.drainer.wake();
  }

  /** One org probe now and, if it answers, the org steps of the parked jobs (parking.ts `once`). */
  drainParked(): ReturnType<ParkedDrainer['once']> {
    return this.drainer.once();
  }

  private busy(bayId: string): boolean {
    return [...this.running.values()].some((r) => r.bayId === bayId);
  }

  /**
   * Starts a job on a bay. For provisioning: a device already provisioned gets its earlier job back
   * (nothing is done); a device with an unfinished job resumes it — unless that job's record cannot
   * be read back (JOURNAL_CORRUPT), then a new job starts and the old record is kept.
   * @throws StationError CERT_REVOKED (the device is quarantined: its certificate or key was revoked),
   *   a pre-flight problem (preflight.ts: CA, org, Account/Contact, product map; all in details.problems),
   *   UNAUTHORIZED (re-provision without the right admin PIN), CONFLICT (bay busy),
   *   DEVICE_PORT_NOT_FOUND (no device identified on the bay), NOT_FOUND (no such bay).
   */
  async startJob(req: StartRequest): Promise<Job> {
    const { bays, journal } = this.deps;
    const authority = req.reprovision
      ? await this.deps.adminPin.require(req.adminPin, 're-provision a device')
      : undefined;
    const bay = bays.get(req.bayId);
    if (bay.status === 'busy' || this.busy(bay.id))
      throw new StationError(
        'CONFLICT',
        `Bay ${bay.id} is already running a job.`,
        'Wait for it to finish, or cancel it first.',
      );
    if (!bay.device)
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        `No device has been identified on bay ${bay.id} (${bay.locator}).`,
        'Check the cable and power, then attach the device again.',
      );
    checkIdentityFields(bay.device); // refused before anything is journaled (identity-rules.ts)
    const uid = bay.device.uid;
    const latest = () =>
      req.kind === 'provision' && !req.reprovision ? journal.latestJobForDevice(uid, 'provision') : undefined;
    let last = latest();
    // Its org step running without it (parked, Salesforce back): resume once that has ended.
    const draining = last && this.running.get(last.id)?.draining;
    if (draining) {
      await draining;
      last = latest();
    }
    if (last?.state === 'succeeded') {
      // The bay's identity may predate that job: ask the device for its state now.
      const fresh = (await bays.attach(bay.locator)).device ?? bay.device;
      // A family that keeps the Asset binding in the org only (nRF91) has it there since that job's read-back.
      const bindingHeld =
        fresh.state.assetIdSet || familyCapabilities(fresh.family).assetBinding.kind === 'org';
      if (fresh.uid === uid && fresh.state.certInstalled && bindingHeld) {
        // Its certificate revoked since: quarantined, not "already provisioned".
        const revoked = revokedSinceProvisioned(last, await this.deps.ports.pki());
        if (revoked) throw revoked;
        this.deps.log('info', `${uid} is already provisioned (job ${last.id}); nothing to do.`, {
          bayId: bay.id,
          jobId: last.id,
        });
        bays.setJob(bay.id, last.id, 'passed');
        return journal.toApiJob(last);
      }
    }
    if (req.kind === 'provision') {
      // pre-flight (preflight.ts): everything the job needs from outside the device, before touching it
      const inputs = { ...(last && RESUMABLE.has(last.state) ? last.inputs : {}), ...(req.inputs ?? {}) };
      const problems = await this.preflight.problems({ model: bay.device.model, inputs });
      if (problems.length) throw preflightError(problems);
    }
    if (last && RESUMABLE.has(last.state)) {
      const quarantined = quarantinedJob(last);
      if (quarantined) throw quarantined;
      if (last.error?.code === 'JOURNAL_CORRUPT') {
        this.deps.log(
          'warn',
          `job ${last.id} of ${uid} cannot be read back; starting a new job (the old record is kept)`,
          { bayId: bay.id, jobId: last.id },
        );
      } else {
        // inputs given now fill the resumed job's missing ones (rule: retry-inputs.ts)
        await this.applyInputs(journal.toApiJob(last), req.inputs, bay.device.model, req.adminPin, (kept) =>
          this.deps.log(
            'warn',
            `job ${last.id} keeps its ${kept.map((c) => `${c.key} ${c.from}`).join(', ')}: only an administrator may replace them (Retry with the new value, signed in as an administrator)`,
            { bayId: bay.id, jobId: last.id },
          ),
        );
        this.deps.log('info', `resuming job ${last.id} for ${uid}`, { bayId: bay.id, jobId: last.id });
        journal.relocate(last.id, bay.id, bay.locator);
        return this.launch(last.id, bay.id, 'provision');
      }
    }
    const jobId = journal.createJob({
      kind: req.kind,
      bayId: bay.id,
      locator: bay.locator,
      deviceUid: uid,
      inputs: {
        ...Object.fromEntries(Object.entries(req.inputs ?? {}).filter(([k]) => k !== REPROVISION_AUTHORITY)),
        ...(authority ? { [REPROVISION_AUTHORITY]: authorityText(authority) } : {}),
      },
      reprovision: Boolean(req.reprovision),
      operator: this.deps.operator(),
      stationId: this.deps.config().stationId,
      steps: req.kind === 'provision' ? PROVISION_STEPS : VERIFY_STEPS,
    });
    return this.launch(jobId, bay.id, req.kind);
  }

  /**
   * Resumes a failed, cancelled or interrupted job from its last finished step, on the bay where its
   * device is now, with `inputs` (Account, Contact, work order) filling missing ones (retry-inputs.ts:
   * replacing a present one needs an administrator, `adminPin` on an open bench).
   * @throws StationError NOT_FOUND, CONFLICT, DEVICE_PORT_NOT_FOUND, CERT_REVOKED (a quarantined job: it
   *   stopped on a revoked key), and for inputs BAD_REQUEST, UNAUTHORIZED or a pre-flight problem.
   */
  async retryJob(req: {
    jobId: string;
    inputs?: Record<string, string | undefined> | undefined;
    adminPin?: string | undefined;
  }): Promise<Job> {
    const { bays, journal } = this.deps;
    const job = journal.getJob(req.jobId);
    if (!job)
      throw new StationError('NOT_FOUND', `There is no job ${req.jobId}.`, 'Pick a job from the list.');
    await this.running.get(job.id)?.draining; // its org step running without the device: wait for it
    if (this.running.has(job.id))
      throw new StationError(
        'CONFLICT',
        `Job ${job.id} is still running.`,
        'Wait for it to finish, or cancel it first.',
      );
    if (job.state === 'succeeded')
      throw new StationError('CONFLICT', `Job ${job.id} already succeeded.`, 'Nothing to retry.');
    const quarantined = quarantinedJob(job);
    if (quarantined) throw quarantined;
    const bay = (job.deviceUid && bays.byUid(job.deviceUid)) || bays.list().find((b) => b.id === job.bayId);
    if (!bay)
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        `Device ${job.deviceUid ?? ''} is not attached.`,
        'Plug the device in; the job resumes from its last finished step.',
      );
    if (bay.status === 'busy')
      throw new StationError('CONFLICT', `Bay ${bay.id} is busy.`, 'Wait for its job to finish.');
    await this.applyInputs(journal.toApiJob(job), req.inputs, bay.device?.model, req.adminPin);
    journal.relocate(job.id, bay.id, bay.locator);
    return this.launch(job.id, bay.id, job.kind);
  }

  /** Cancels a running job and resolves when it has stopped (a job not running is returned as is). */
  async cancelJob(req: { jobId: string }): Promise<Job> {
    const r = this.running.get(req.jobId);
    if (!r) return this.getJob(req);
    r.abort.abort();
    return r.done;
  }

  /** A job as the API shows it. @throws StationError NOT_FOUND. */
  getJob(req: { jobId: string }): Job {
    const job = this.deps.journal.getJob(req.jobId);
    if (!job)
      throw new StationError('NOT_FOUND', `There is no job ${req.jobId}.`, 'Pick a job from the list.');
    return this.deps.journal.toApiJob(job);
  }

  /** Resolves when the job ends (for CLI and tests). */
  async waitForJob(jobId: string): Promise<Job> {
    return this.running.get(jobId)?.done ?? this.getJob({ jobId });
  }

  /** QA verify of the device on a bay: runs a verify job and reports its checks. */
  async verifyDevice(req: { bayId: string }): Promise<VerifyReport> {
    const job = await this.startJob({ bayId: req.bayId, kind: 'verify' });
    return verifyReport(this.deps.journal, await this.waitForJob(job.id));
  }

  /** Auto mode: a device identified on a free bay starts (or resumes) its provisioning job. */
  onArrived(bayId: string): void {
    if (!this.deps.config().autoMode) return;
    if (this.deps.bays.get(bayId).status === 'busy' || this.busy(bayId)) return;
    this.startJob({ bayId, kind: 'provision' }).catch((e: Error) =>
      this.deps.log('warn', `auto mode could not start a job on ${bayId}: ${e.message}`, { bayId }),
    );
  }

  /** Auto mode was switched on: acts on the devices already waiting on ready bays. */
  autoModeOn(): void {
    for (const b of this.deps.bays.list()) if (b.status === 'ready') this.onArrived(b.id);
  }

  /**
   * Stops every running job as `interrupted` (journaled and audited; each resumes from its last
   * finished step on the next Start) and resolves with the stopped jobs once they have all stopped.
   */
  async interruptAll(): Promise<Job[]> {
    const running = [...this.running.values()];
    for (const r of running) r.abort.abort(JOB_INTERRUPTED);
    return Promise.all(running.map((r) => r.done));
  }

  /** Cancels every running job and waits until they have stopped. */
  async close(): Promise<void> {
    await this.drainer.close();
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private applyInputs(
    job: Job,
    inputs: Record<string, string | undefined> | undefined,
    model: string | undefined,
    adminPin: string | undefined,
    keepPresent?: (kept: InputChange[]) => void,
  ): Promise<InputChange[]> {
    const deps = { ...this.deps, preflight: (j: PreflightJob) => this.preflight.problems(j) };
    return applyRetryInputs(deps, job, inputs, { model, adminPin, ...(keepPresent ? { keepPresent } : {}) });
  }

  /**
   * Runs the org steps of a job parked waiting for Salesforce, without its device (no bay is used).
   * @throws StationError CONFLICT when the job is running (its device came back meanwhile).
   */
  private drain(jobId: string): Promise<Job> {
    if (this.running.has(jobId))
      throw new StationError('CONFLICT', `Job ${jobId} is already running.`, 'Wait for it to finish.');
    const abort = new AbortController();
    const memory = this.memories.get(jobId) ?? {};
    const done = runJob(this.runnerDeps(), jobId, PROVISION_JOB, {
      signal: abort.signal,
      memory,
      deviceless: true,
    }).finally(() => this.running.delete(jobId));
    this.running.set(jobId, { abort, done, bayId: '', draining: done.catch(() => this.getJob({ jobId })) });
    return done;
  }

  private launch(jobId: string, bayId: string, kind: JobKind): Job {
    const { bays, journal } = this.deps;
    const abort = new AbortController();
    const memory = this.memories.get(jobId) ?? {};
    this.memories.set(jobId, memory);
    bays.setJob(bayId, jobId, 'busy');
    const done = runJob(this.runnerDeps(), jobId, kind === 'provision' ? PROVISION_JOB : VERIFY_JOB, {
      signal: abort.signal,
      memory,
    }).then((job) => {
      this.running.delete(jobId);
      if (job.state === 'succeeded') this.memories.delete(jobId);
      if (job.state === 'parked') {
        bays.setJob(bayId, jobId, 'ready', job.error); // the bay is free: the next device can go on
        this.drainer.wake();
      } else {
        bays.setJob(bayId, jobId, job.state === 'succeeded' ? 'passed' : 'failed', job.error);
        this.batch[job.state === 'succeeded' ? 'succeeded' : 'failed']++;
      }
      if (this.running.size === 0) {
        this.deps.onBatch(this.batch);
        this.batch = { succeeded: 0, failed: 0 };
      }
      return job;
    });
    this.running.set(jobId, { abort, done, bayId });
    return journal.toApiJob(journal.getJob(jobId)!);
  }

  private runnerDeps(): RunnerDeps {
    const d = this.deps;
    return {
      journal: d.journal,
      audit: d.audit,
      ports: d.ports,
      config: d.config,
      operator: d.operator,
      onJob: d.onJob,
      onStep: d.onStep,
      locate: async (uid) => {
        await d.bays.poll();
        return d.bays.byUid(uid)?.locator;
      },
      ...(d.reconnectWindowMs !== undefined ? { reconnectWindowMs: d.reconnectWindowMs } : {}),
    };
  }
}
