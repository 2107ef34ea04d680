/**
 * Devices the station will not carry on with because their certificate (or the key it certifies) was
 * revoked: a job that stopped with CERT_REVOKED is quarantined — never resumed by Start or Retry, only
 * an admin re-provision (a new key pair, a new job) can give the device a new identity — and a device
 * whose provisioned certificate was revoked later is not reported "already provisioned".
 * Revocation: RFC 5280 §5.3.1 (reason codes), docs/pki.md §9.
 */
import { StationError } from '../../shared/errors';
import type { PkiPort } from '../bays/ports';
import type { JobRow } from '../records/journal';

const REMEDY =
  'Set the device aside and report it to security. An admin can give it a new identity with a re-provision (the device generates a new key pair).';

/**
 * The refusal for resuming `job` when it stopped because the device's key or certificate was
 * revoked (CERT_REVOKED); undefined for any other job.
 */
export function quarantinedJob(job: JobRow): StationError | undefined {
  if (job.error?.code !== 'CERT_REVOKED') return undefined;
  return new StationError(
    'CERT_REVOKED',
    `Job ${job.id} stopped because device ${job.deviceUid ?? ''} presents a revoked key: the device is quarantined and the job cannot be resumed. (${job.error.message})`,
    REMEDY,
    { jobId: job.id, quarantined: true },
  );
}

/**
 * The refusal for a device whose succeeded provisioning `job` certified a certificate that was revoked
 * since; undefined when that certificate is not revoked (or the job has no serial).
 */
export function revokedSinceProvisioned(job: JobRow, pki: PkiPort): StationError | undefined {
  const serial = job.summary.certSerial;
  if (typeof serial !== 'string') return undefined;
  const r = pki.revocation(serial);
  if (!r) return undefined;
  return new StationError(
    'CERT_REVOKED',
    `Device ${job.deviceUid ?? ''} was provisioned (job ${job.id}), but its certificate ${r.serial} was revoked on ${r.revokedAt.slice(0, 10)} (${r.reason}): the device is quarantined.`,
    REMEDY,
    { jobId: job.id, serial: r.serial, reason: r.reason, quarantined: true },
  );
}
