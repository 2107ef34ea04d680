/**
 * QA lot contracts (issue 17): a QA inspector gathers a set of provisioned devices (by work order, by
 * production lot, or scanned one by one), verifies each (the verify job: chain, key challenge, Asset in
 * the org, Asset link), signs the lot off, and exports the lot report (PDF and CSV). docs/qa.md.
 */
import { z } from 'zod';
import { VerifyCheck } from './domain';

/** A lot id as the station makes it: `QA-<yyyymmdd>-<nnn>`. */
export const LotId = z.string().regex(/^QA-\d{8}-\d{3,}$/, 'A QA lot id looks like QA-20261202-001.');

/** How the lot's devices were chosen. */
export const LotSource = z.discriminatedUnion('kind', [
  /** Every device whose provisioning succeeded under this work order. */
  z.object({ kind: z.literal('work-order'), value: z.string().min(1).max(64) }),
  /** Every device whose provisioning succeeded with this production lot (the job input `lot`). */
  z.object({ kind: z.literal('lot'), value: z.string().min(1).max(64) }),
  /** Devices scanned (or typed) one by one. */
  z.object({ kind: z.literal('scan') }),
]);
export type LotSource = z.infer<typeof LotSource>;

/**
 * What happens to a device that failed verification, for a lot to be accepted without it: it is taken
 * out of the shipment in every case (docs/qa.md, "Sign-off rule"). There is deliberately no "use as is".
 */
export const DISPOSITIONS = ['scrap', 'rework', 'quarantine'] as const;
export const Disposition = z.enum(DISPOSITIONS);
export type Disposition = z.infer<typeof Disposition>;

/** A failed (or never verified) device's disposition, with the inspector's reason. */
export const DeviceDisposition = z
  .object({
    deviceUid: z.string().min(1).max(128),
    disposition: Disposition,
    note: z.string().trim().min(3, 'Say why, in a few words.').max(500),
  })
  .strict();
export type DeviceDisposition = z.infer<typeof DeviceDisposition>;

/** The latest verification of a device in the lot (the verify job's journaled checks). */
export const LotVerification = z.object({
  /** The verify job (its steps are in the journal). */
  jobId: z.string(),
  passed: z.boolean(),
  checks: z.array(VerifyCheck),
  at: z.string(),
});
export type LotVerification = z.infer<typeof LotVerification>;

/** The device's provisioning record: the link a failed device's report line carries. */
export const ProvisioningLink = z.object({
  jobId: z.string(),
  state: z.string(),
  endedAt: z.string().optional(),
  workOrder: z.string().optional(),
});
export type ProvisioningLink = z.infer<typeof ProvisioningLink>;

/** One device of a lot. */
export const LotDevice = z.object({
  deviceUid: z.string(),
  addedAt: z.string(),
  addedBy: z.string(),
  /** Absent until verified. */
  verification: LotVerification.optional(),
  /** Why the last verify attempt could not run (not attached, bay busy), when it could not. */
  notVerified: z.string().optional(),
  provisioning: ProvisioningLink.optional(),
  disposition: DeviceDisposition.omit({ deviceUid: true }).optional(),
});
export type LotDevice = z.infer<typeof LotDevice>;

/** The sign-off of a lot: final; the lot takes no more devices or verifications. */
export const LotSignOff = z.object({
  verdict: z.enum(['accepted', 'rejected']),
  /** The signed-in QA inspector (or admin): login and display name. */
  login: z.string(),
  name: z.string(),
  at: z.string(),
  note: z.string().optional(),
});
export type LotSignOff = z.infer<typeof LotSignOff>;

/** A QA lot with its devices and, once signed, its sign-off. */
export const Lot = z.object({
  id: LotId,
  name: z.string(),
  source: LotSource,
  createdAt: z.string(),
  createdBy: z.string(),
  stationId: z.string(),
  devices: z.array(LotDevice),
  signOff: LotSignOff.optional(),
});
export type Lot = z.infer<typeof Lot>;

/** A lot in the list: counts instead of devices. */
export const LotSummary = Lot.omit({ devices: true }).extend({
  devices: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  unverified: z.number().int(),
});
export type LotSummary = z.infer<typeof LotSummary>;

/** Creates a lot: by work order, by production lot, or empty for scanning. */
export const CreateLotRequest = z
  .object({
    source: LotSource,
    /** A name for people ("Line 2 morning"); default: the source. */
    name: z.string().trim().max(80).optional(),
  })
  .strict();

/** Signs a lot off. `dispositions` are needed to accept a lot with failed or unverified devices. */
export const SignOffLotRequest = z
  .object({
    lotId: LotId,
    verdict: z.enum(['accepted', 'rejected']),
    note: z.string().trim().max(1000).optional(),
    dispositions: z.array(DeviceDisposition).max(10_000).optional(),
  })
  .strict();

/** A lot report file: CSV as text, PDF as base64. */
export const LotReportFile = z.object({
  filename: z.string(),
  mimeType: z.string(),
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']),
});
export type LotReportFile = z.infer<typeof LotReportFile>;

/** Counts of a lot's devices by their latest verification. */
export function lotCounts(devices: readonly LotDevice[]): {
  passed: number;
  failed: number;
  unverified: number;
} {
  let passed = 0;
  let failed = 0;
  for (const d of devices)
    if (d.verification?.passed) passed++;
    else if (d.verification) failed++;
  return { passed, failed, unverified: devices.length - passed - failed };
}
