/**
 * A parked job closed by onboarding (issue 14, core/jobs/parking.ts): a device provisioned during an org
 * outage, registered since ("waiting for its device"), may reach an installer's onboarding kiosk before
 * it is plugged in at a bay again. Onboarding writes its pending binding; this closes the factory's job.
 *
 * The job ends `succeeded`: what it still had to do on the device (write the Asset ID, read it back) was
 * done and read back by onboarding, on the same device — hardware UID and the key the job generated,
 * checked by the station's own same-device check (same-device.ts) before anything is written. Its
 * remaining steps are journaled as done with a detail naming onboarding and its verify job, and the
 * asset-token step as skipped (the job itself requested none; onboarding's own token, if any, is in
 * its `device.onboarded` audit entry), so the record never claims the job did what it did not.
 */
import type { Job } from '../../shared/domain';
import type { DeviceDriver } from '../device';
import type { AuditLog } from '../records/audit';
import type { Journal } from '../records/journal';
import { auditJob } from './job-audit';
import { parkedFor } from './parking';
import { confirmSameDevice } from './same-device';

/** What onboarding did on the device, for the job's record. */
export interface OnboardingWrite {
  /** The Asset ID written and read back. */
  assetId: string;
  /** The QA verify job that proved the device is the registered one. */
  verifyJobId: string;
  /** The installer's login. */
  installer: string;
  /** Onboarding's asset-token outcome (issued or skipped, with the reason). */
  assetToken: string;
  /** Onboarding's binding outcome ("Asset ID … written and read back"). */
  binding: string;
}

/** What the closer needs from the station. */
export interface ParkedCloserDeps {
  journal: Journal;
  audit: AuditLog;
  /** Who acts (the signed-in operator). */
  actor(): string;
  /** The job as it ends (the station's `job` event). */
  onJob(job: Job): void;
}

/** Finds and closes the provisioning job parked waiting for the device that onboarding binds. */
export class ParkedCloser {
  constructor(private readonly deps: ParkedCloserDeps) {}

  /**
   * The device's provisioning job parked waiting for its device, after checking `device` is that job's
   * device (same UID and the job's key). Call before anything is written to the device.
   * @param assetId the org's Asset for the device: a job registered under another Asset is left alone.
   * @returns the job ID, or undefined when no such job waits.
   * @throws StationError DEVICE_MISMATCH (same UID, another key: nothing was written); DEVICE_* (the link).
   */
  async claim(deviceUid: string, assetId: string, device: DeviceDriver): Promise<string | undefined> {
    const { journal } = this.deps;
    const job = journal.latestJobForDevice(deviceUid, 'provision');
    if (!job || parkedFor(job) !== 'device' || job.summary.assetId !== assetId) return undefined;
    await confirmSameDevice(
      device,
      { bayId: job.bayId, uid: job.deviceUid, steps: journal.steps(job.id) },
      new AbortController().signal,
    );
    // onboarding writes a binding, not a certificate: a job whose certificate still waits on the station
    // (registered during an outage before it went onto the device, issue 18) ends at a station bay
    if (!journal.steps(job.id).some((s) => s.name === 'install-cert' && s.state === 'done')) return undefined;
    return job.id;
  }

  /**
   * Journals the job's remaining device steps as done by onboarding and ends it `succeeded`, audited
   * (`job.succeeded`, `completedBy: onboarding`). Does nothing when the job is no longer parked (its
   * device was plugged in at a bay meanwhile: that run writes the same binding).
   * @returns the job as it ended, or undefined when it was left alone.
   */
  complete(jobId: string, done: OnboardingWrite): Job | undefined {
    const { journal } = this.deps;
    const row = journal.getJob(jobId);
    if (!row || parkedFor(row) !== 'device') return undefined;
    const by = `by onboarding (verify job ${done.verifyJobId}, installer ${done.installer})`;
    const pending = new Set(journal.steps(jobId).filter((s) => s.state !== 'done' && s.state !== 'skipped'));
    for (const s of pending) {
      if (s.name === 'asset-token') {
        const reason = `not requested by this job: onboarding handled the asset token (${done.assetToken})`;
        journal.finishStep(jobId, s.name, 'skipped', { reason }, reason);
      } else if (s.name === 'write-back')
        journal.finishStep(
          jobId,
          s.name,
          'done',
          { assetId: done.assetId, withToken: false },
          `Asset ID ${done.assetId} written ${by}`,
        );
      else if (s.name === 'read-back')
        journal.finishStep(
          jobId,
          s.name,
          'done',
          { assetId: done.assetId, from: 'device' },
          `${done.binding} ${by}`,
        );
    }
    journal.addSummary(jobId, { completedBy: 'onboarding', onboardingVerifyJobId: done.verifyJobId });
    journal.setJobState(jobId, 'succeeded');
    auditJob(this.deps.audit, journal, this.deps.actor(), 'job.succeeded', jobId, {
      completedBy: 'onboarding',
      assetId: done.assetId,
      verifyJobId: done.verifyJobId,
      installer: done.installer,
    });
    const job = journal.toApiJob(journal.getJob(jobId)!);
    this.deps.onJob(job);
    return job;
  }
}
