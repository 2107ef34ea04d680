/**
 * The one way a job event reaches the audit log: the job's device UID and key fingerprint are taken
 * from its journal row as it is now, so every entry about a job carries what is known of the device.
 */
import type { AuditLog } from '../records/audit';
import type { Journal } from '../records/journal';

/** Job events the station audits. */
export type JobAuditAction =
  | 'job.start'
  | 'job.resume'
  | 'job.relocated'
  | 'job.inputs'
  | 'job.interrupted'
  | 'job.cancelled'
  | 'job.failed'
  | 'job.succeeded'
  | 'job.parked'
  | 'job.registered'
  | 'step.done'
  | 'step.skipped'
  | 'reprovision.override'
  | 'device.mismatch';

/** The actions that end a run of a job: the rollback anchor then covers the job's entries at once. */
const RUN_ENDS: ReadonlySet<JobAuditAction> = new Set([
  'job.interrupted',
  'job.cancelled',
  'job.failed',
  'job.succeeded',
  'job.parked',
  'job.registered',
]);

/**
 * Appends `action` about job `jobId` by `actor`, with the job's device facts and `data`; at the end of a
 * run, asks for the rollback anchor soon (core/records/audit-anchor.ts).
 * @throws SqliteError when the database refuses the write.
 */
export function auditJob(
  audit: AuditLog,
  journal: Journal,
  actor: string,
  action: JobAuditAction,
  jobId: string,
  data?: Record<string, unknown>,
): void {
  const job = journal.getJob(jobId);
  const keyFingerprint = job?.summary.keyFingerprint;
  audit.append({
    actor,
    action,
    jobId,
    ...(job?.deviceUid ? { deviceUid: job.deviceUid } : {}),
    ...(typeof keyFingerprint === 'string' ? { keyFingerprint } : {}),
    ...(data ? { data } : {}),
  });
  if (RUN_ENDS.has(action)) audit.anchorSoon();
}
