/**
 * QA lots (issue 17, docs/qa.md): a QA inspector gathers provisioned devices into a lot — every device
 * provisioned under a work order, or with a production lot, or scanned one by one — verifies each with
 * the QA verify job (jobs/steps/verify.ts: chain to the station CA, key challenge, Asset in the org by
 * external ID with matching fingerprints, Asset link), and signs the lot off. Each device's latest
 * verify job id is kept with the lot (its checks are journaled like every job's steps); a device links
 * to its provisioning record (the journal's newest provisioning job for its UID). Every act is audited.
 *
 * Sign-off rule (docs/qa.md): only a signed-in QA inspector or admin signs, once; "rejected" is always
 * possible; "accepted" needs every device that failed or was never verified to be dispositioned out of
 * the shipment (scrap, rework or quarantine, with a reason) — never accepted as is.
 */
import type { Bay, VerifyReport } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import {
  lotCounts,
  type DeviceDisposition,
  type Lot,
  type LotDevice,
  type LotReportFile,
  type LotSource,
  type LotSummary,
} from '../../shared/qa';
import { verifyReport } from '../jobs/steps/verify';
import { assertMay, type Operator } from '../operators/roles';
import { durable, type Db } from '../records/db';
import type { Journal } from '../records/journal';
import { lotCsv } from './report-csv';
import { lotPdf } from './report-pdf';
import { LotStore, type LotDeviceRow, type LotRow } from './store';

/** What the lot service needs from the station. */
export interface LotDeps {
  db: Db;
  journal: Journal;
  /** The bays with their identified devices. */
  bays(): Bay[];
  /** Runs the QA verify job on a bay and resolves with its report. */
  verify(bayId: string): Promise<VerifyReport>;
  /** The signed-in operator, if any (sign-off needs one). */
  signedIn(): Operator | undefined;
  /** The name audit entries and lots carry (signed-in login, else the configured operator). */
  operator(): string;
  stationId(): string;
  audit(action: string, data: Record<string, unknown>, deviceUid?: string): void;
  /** The clock (tests fix it). */
  now?: () => Date;
}

const SOURCE_WORDS: Record<LotSource['kind'], string> = {
  'work-order': 'work order',
  lot: 'production lot',
  scan: 'scanned devices',
};

/** The QA lots of one station. */
export class LotService {
  private readonly store: LotStore;
  constructor(private readonly deps: LotDeps) {
    this.store = new LotStore(deps.db);
  }

  private now(): string {
    return (this.deps.now ?? (() => new Date()))().toISOString();
  }

  private row(lotId: string): LotRow {
    const lot = this.store.get(lotId);
    if (!lot)
      throw new StationError(
        'NOT_FOUND',
        `There is no QA lot ${lotId}.`,
        'Pick a lot from the list of lots.',
      );
    return lot;
  }

  private open(lotId: string): LotRow {
    const lot = this.row(lotId);
    if (lot.signOff)
      throw new StationError(
        'CONFLICT',
        `QA lot ${lotId} was signed off (${lot.signOff.verdict}) by ${lot.signOff.name} and can no longer change.`,
        'Create a new lot for these devices if they need checking again.',
      );
    return lot;
  }

  /** Devices whose provisioning succeeded on this station with job input `key` = `value`, oldest first. */
  private provisionedWith(key: string, value: string): string[] {
    const uids = this.deps.journal
      .allJobs()
      .filter(
        (j) => j.kind === 'provision' && j.state === 'succeeded' && j.deviceUid && j.inputs[key] === value,
      )
      .reverse()
      .map((j) => j.deviceUid!);
    return [...new Set(uids)];
  }

  /**
   * Creates a lot: every device provisioned under the work order (or production lot), or an empty lot
   * to scan devices into.
   * @throws StationError NOT_FOUND when no device was provisioned under that work order or lot.
   */
  create(req: { source: LotSource; name?: string | undefined }): Lot {
    const { source } = req;
    const uids =
      source.kind === 'scan'
        ? []
        : this.provisionedWith(source.kind === 'lot' ? 'lot' : 'workOrder', source.value);
    if (source.kind !== 'scan' && uids.length === 0)
      throw new StationError(
        'NOT_FOUND',
        `No device was provisioned on this station under ${SOURCE_WORDS[source.kind]} ${source.value}.`,
        'Check the number on the paperwork, or create a lot of scanned devices and scan each one.',
      );
    const at = this.now();
    const id = this.store.nextId(at.slice(0, 10).replace(/-/g, ''));
    const name =
      req.name?.trim() ||
      (source.kind === 'scan' ? 'Scanned devices' : `${SOURCE_WORDS[source.kind]} ${source.value}`);
    const by = this.deps.operator();
    this.store.create(
      { id, name, source, stationId: this.deps.stationId(), createdAt: at, createdBy: by },
      uids,
    );
    this.deps.audit('qa.lot.created', { lotId: id, name, source, devices: uids.length });
    return this.get(id);
  }

  /**
   * Adds a scanned device to an open lot (a device already in it is left as it is).
   * @throws StationError NOT_FOUND (no such lot), CONFLICT (signed off), BAD_REQUEST (not a device UID).
   */
  add(lotId: string, deviceUid: string): Lot {
    this.open(lotId);
    const uid = deviceUid.trim();
    if (!/^[\x21-\x7e]{1,128}$/.test(uid))
      throw new StationError(
        'BAD_REQUEST',
        'That scan is not a device UID (it has spaces or characters a device label does not carry).',
        'Scan the UID barcode on the device label again, or type the UID as printed.',
      );
    if (this.store.addDevice(lotId, uid, this.now(), this.deps.operator()))
      this.deps.audit('qa.lot.device-added', { lotId }, uid);
    return this.get(lotId);
  }

  /**
   * Verifies the lot's devices that are attached to the station (all of them, or those in `only`),
   * each with a QA verify job, at the same time on their bays. A device not attached, or whose bay is
   * busy, is noted as not verified; a verify job whose device turned out to be another UID is not
   * credited to the lot's device.
   * @throws StationError NOT_FOUND (no such lot), CONFLICT (signed off).
   */
  async verify(lotId: string, only?: readonly string[]): Promise<Lot> {
    this.open(lotId);
    const wanted = this.store.devices(lotId).filter((d) => !only || only.includes(d.deviceUid));
    const bays = this.deps.bays();
    await Promise.all(
      wanted.map(async (d) => {
        const bay = bays.find((b) => b.device?.uid === d.deviceUid);
        if (!bay) {
          this.store.setVerification(lotId, d.deviceUid, { notVerified: 'not attached to the station' });
          return;
        }
        let report: VerifyReport;
        try {
          report = await this.deps.verify(bay.id);
        } catch (e) {
          const why = e instanceof StationError ? `${e.message} ${e.remedy}` : String(e);
          this.store.setVerification(lotId, d.deviceUid, { notVerified: why });
          return;
        }
        if (report.deviceUid !== d.deviceUid) {
          const why = `the bay held device ${report.deviceUid || 'unknown'} when it was verified, not this one`;
          this.store.setVerification(lotId, d.deviceUid, { notVerified: why });
          return;
        }
        this.store.setVerification(lotId, d.deviceUid, { jobId: report.jobId });
        const failed = report.checks.filter((c) => !c.passed).map((c) => c.name);
        this.deps.audit(
          'qa.lot.verified',
          { lotId, verifyJobId: report.jobId, passed: report.passed, failed },
          d.deviceUid,
        );
      }),
    );
    return this.get(lotId);
  }

  /**
   * Signs the lot off (see the rule at the top of this file). Durable before it resolves.
   * @throws StationError UNAUTHORIZED (nobody signed in, or not QA/admin), CONFLICT (already signed),
   *   BAD_REQUEST (an empty lot; a failed or unverified device without a disposition when accepting; a
   *   disposition for a device not in the lot or one that passed).
   */
  async signOff(req: {
    lotId: string;
    verdict: 'accepted' | 'rejected';
    note?: string | undefined;
    dispositions?: DeviceDisposition[] | undefined;
  }): Promise<Lot> {
    const who = this.deps.signedIn();
    assertMay(who, 'sign off a QA lot');
    this.open(req.lotId);
    const lot = this.get(req.lotId);
    if (lot.devices.length === 0)
      throw new StationError(
        'BAD_REQUEST',
        `QA lot ${lot.id} has no devices to sign off.`,
        'Add devices to the lot (scan them) and verify them first.',
      );
    const given = req.dispositions ?? [];
    const byUid = new Map(lot.devices.map((d) => [d.deviceUid, d]));
    for (const x of given) {
      const d = byUid.get(x.deviceUid);
      if (!d)
        throw new StationError(
          'BAD_REQUEST',
          `Device ${x.deviceUid} is not in QA lot ${lot.id}.`,
          'Give dispositions only for the lot’s failed or unverified devices.',
        );
      if (d.verification?.passed)
        throw new StationError(
          'BAD_REQUEST',
          `Device ${x.deviceUid} passed verification, so it needs no disposition.`,
          'Give dispositions only for the lot’s failed or unverified devices.',
        );
    }
    const open = lot.devices.filter(
      (d) => !d.verification?.passed && !given.some((x) => x.deviceUid === d.deviceUid),
    );
    if (req.verdict === 'accepted' && open.length > 0)
      throw new StationError(
        'BAD_REQUEST',
        `QA lot ${lot.id} cannot be accepted: ${open.length} device(s) failed or were not verified and have no disposition (${open
          .slice(0, 5)
          .map((d) => d.deviceUid)
          .join(', ')}${open.length > 5 ? ', …' : ''}).`,
        'Give each of them a disposition (scrap, rework or quarantine, with a reason), verify them again, or sign the lot off as rejected.',
      );
    const signOff = {
      verdict: req.verdict,
      login: who.login,
      name: who.name,
      at: this.now(),
      ...(req.note ? { note: req.note } : {}),
    };
    this.store.signOff(lot.id, signOff, given);
    await durable(this.deps.db);
    const counts = lotCounts(lot.devices);
    this.deps.audit('qa.lot.signed-off', {
      lotId: lot.id,
      verdict: req.verdict,
      by: who.login,
      name: who.name,
      ...counts,
      dispositions: given.map((x) => ({ deviceUid: x.deviceUid, disposition: x.disposition, note: x.note })),
      ...(req.note ? { note: req.note } : {}),
    });
    return this.get(lot.id);
  }

  /** One lot with its devices, their latest verification and provisioning record. @throws StationError NOT_FOUND. */
  get(lotId: string): Lot {
    const lot = this.row(lotId);
    return { ...lot, devices: this.store.devices(lotId).map((d) => this.device(d)) };
  }

  /**
   * The lot report: PDF (base64) or CSV (one row per device per check), named after the lot.
   * @throws StationError NOT_FOUND.
   */
  async report(lotId: string, format: 'pdf' | 'csv'): Promise<LotReportFile> {
    const lot = this.get(lotId);
    const base = `qa-lot-${lot.id}${lot.signOff ? `-${lot.signOff.verdict}` : ''}`;
    return format === 'csv'
      ? { filename: `${base}.csv`, mimeType: 'text/csv', content: lotCsv(lot), encoding: 'utf8' }
      : {
          filename: `${base}.pdf`,
          mimeType: 'application/pdf',
          content: (await lotPdf(lot)).toString('base64'),
          encoding: 'base64',
        };
  }

  /** Lots, newest first, with device counts. */
  list(): LotSummary[] {
    return this.store.list().map((l) => {
      const devices = this.store.devices(l.id).map((d) => this.device(d));
      return { ...l, devices: devices.length, ...lotCounts(devices) };
    });
  }

  private device(d: LotDeviceRow): LotDevice {
    const j = this.deps.journal;
    const prov = j.latestJobForDevice(d.deviceUid, 'provision');
    const job = d.verifyJobId ? j.getJob(d.verifyJobId) : undefined;
    const finished = job && job.state !== 'running' && job.state !== 'queued';
    const report = finished ? verifyReport(j, j.toApiJob(job)) : undefined;
    return {
      deviceUid: d.deviceUid,
      addedAt: d.addedAt,
      addedBy: d.addedBy,
      ...(report
        ? {
            verification: {
              jobId: report.jobId,
              passed: report.passed,
              checks: report.checks,
              at: report.at,
            },
          }
        : {}),
      ...(d.notVerified
        ? { notVerified: d.notVerified }
        : job && !finished
          ? { notVerified: 'verification running' }
          : {}),
      ...(prov
        ? {
            provisioning: {
              jobId: prov.id,
              state: prov.state,
              ...(prov.endedAt ? { endedAt: prov.endedAt } : {}),
              ...(prov.inputs.workOrder ? { workOrder: prov.inputs.workOrder } : {}),
            },
          }
        : {}),
      ...(d.disposition ? { disposition: d.disposition } : {}),
    };
  }
}
