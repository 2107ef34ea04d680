/**
 * The records API over the journal: one job, one record with its step timeline, the device label,
 * the filtered list and its export (CSV per RFC 4180, or JSON). Needs no secret store.
 */
import type { RecordFilter } from '../../shared/api';
import type { Job, ProvisioningRecord, Step } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { JobRow, Journal } from './journal';
import { renderLabel } from './label';
import { buildZpl } from '../labels/zpl';
import { parsePrinterAddress, sendRaw } from '../labels/raw-printer';
import { listRecords, toCsv, toRecord } from './records';

/** A file body for the user to save. */
export interface ExportFile {
  filename: string;
  mimeType: string;
  content: string;
}

/** The records of one station. */
export class RecordsService {
  constructor(private readonly journal: Journal) {}

  private row(jobId: string): JobRow {
    const job = this.journal.getJob(jobId);
    if (!job)
      throw new StationError('NOT_FOUND', `There is no job ${jobId}.`, 'Pick a job or record from the list.');
    return job;
  }

  /** A job as the API shows it. @throws StationError NOT_FOUND. */
  job(jobId: string): Job {
    return this.journal.toApiJob(this.row(jobId));
  }

  /** Records, newest first. */
  list(filter: RecordFilter): ProvisioningRecord[] {
    return listRecords(this.journal, filter);
  }

  /** One record with its step timeline. @throws StationError NOT_FOUND. */
  record(jobId: string): { record: ProvisioningRecord; steps: Step[] } {
    const row = this.row(jobId);
    return { record: toRecord(row), steps: this.journal.toApiJob(row).steps };
  }

  /** The device label (SVG) of a job's record. @throws StationError NOT_FOUND. */
  async label(jobId: string): Promise<{ filename: string; svg: string }> {
    const record = toRecord(this.row(jobId));
    return { filename: `label-${record.deviceUid}.svg`, svg: await renderLabel(record) };
  }

  /**
   * Prints a job's device label on the network label printer: ZPL (core/labels/zpl.ts) over raw TCP
   * (core/labels/raw-printer.ts). `printer` is the configured "host[:port]".
   * @returns the printer address and the bytes sent.
   * @throws StationError NOT_FOUND (no such job), CONFLICT (not a provisioned device),
   *   CONFIG_INVALID (no printer set), BAD_REQUEST (bad address), PRINTER_UNAVAILABLE
   */
  async printLabel(jobId: string, printer: string | undefined): Promise<{ printer: string; bytes: number }> {
    const record = toRecord(this.row(jobId));
    const zpl = buildZpl(record);
    if (!printer?.trim())
      throw new StationError(
        'CONFIG_INVALID',
        'No label printer is set for this station.',
        'Set the label printer address (host or host:port) in Settings, or print with the Print label button.',
      );
    const to = parsePrinterAddress(printer);
    const bytes = await sendRaw(to, zpl);
    return { printer: `${to.host}:${to.port}`, bytes };
  }

  /** Records as a file body, named with the time of export (UTC). */
  export(req: { format: 'csv' | 'json'; filter?: RecordFilter | undefined }): ExportFile {
    const records = listRecords(this.journal, { limit: 10_000, ...(req.filter ?? {}) });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return req.format === 'csv'
      ? { filename: `asset-station-records-${stamp}.csv`, mimeType: 'text/csv', content: toCsv(records) }
      : {
          filename: `asset-station-records-${stamp}.json`,
          mimeType: 'application/json',
          content: JSON.stringify(records, null, 2),
        };
  }
}
