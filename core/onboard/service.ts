/**
 * Onboard mode: a field installer links a factory-provisioned device to its customer. The station
 * first proves the device is the registered one — the QA verify job: its certificate chains to this
 * station's CA, its key signs a fresh challenge, the org's Asset found by the device's external ID
 * carries the same fingerprints, the Asset Id on the device is the org's — and refuses a swapped or
 * cloned unit before anything is written. Then the Asset gets the Account (and Contact), Status
 * Installed, InstallDate and the installer, location and notes; the org's answer is read back; the
 * handover report (PDF) is saved in the station home and returned; the audit log names the installer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Bay, VerifyReport } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { CustomerAccount, CustomerDetail, OnboardRequest, OnboardResult } from '../../shared/onboard';
import type { OrgPort } from '../bays/ports';
import { handoverPdf } from './handover-pdf';
import type { OnboardOrg } from './org';

/** What onboarding needs from the station. */
export interface OnboardDeps {
  /** The station home (reports go to `<home>/handover/`). */
  home: string;
  bay(bayId: string): Bay;
  /** Runs the QA verify job on the bay and resolves with its report. */
  verify(bayId: string): Promise<VerifyReport>;
  org(): Promise<OrgPort>;
  /** Who onboards: the signed-in installer (else the station's operator name). */
  installer(): { login: string; name: string };
  audit(action: string, data: Record<string, unknown>, device?: { deviceUid: string }): void;
  /** The clock (tests fix it). */
  now?: () => Date;
}

/** Onboards devices to customers. */
export class OnboardService {
  constructor(private readonly deps: OnboardDeps) {}

  private async org(): Promise<OnboardOrg & { port: OrgPort }> {
    const port = await this.deps.org();
    if (!port.onboard)
      throw new StationError(
        'ORG_CONFIG',
        'This org connection cannot look customers up or link Assets.',
        'Connect the station to Salesforce (Settings, Log in), then try again.',
      );
    return { ...port.onboard, port };
  }

  /** Customer Accounts whose name contains `text`. @throws StationError BAD_REQUEST (under 2 letters), ORG_*. */
  async searchAccounts(text: string): Promise<CustomerAccount[]> {
    return (await this.org()).searchAccounts(text);
  }

  /** One Account with its Contacts. @throws StationError NOT_FOUND, BAD_REQUEST (not an Account Id), ORG_*. */
  async account(accountId: string): Promise<CustomerDetail> {
    const a = await (await this.org()).account(accountId);
    if (!a)
      throw new StationError(
        'NOT_FOUND',
        `There is no customer Account ${accountId} in Salesforce.`,
        'Scan the Account barcode again, or search the customer by name.',
      );
    return a;
  }

  /**
   * Onboards the device on `req.bayId` to the customer.
   * @throws StationError VERIFY_FAILED when the device is not the registered one (nothing is written:
   *   a swapped or cloned unit), NOT_FOUND (no such Account; Contact not of that Account),
   *   DEVICE_PORT_NOT_FOUND (no device on the bay), ORG_* (the org refused or answered inconsistently).
   */
  async onboard(req: OnboardRequest): Promise<OnboardResult> {
    const device = this.deps.bay(req.bayId).device;
    if (!device)
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        `No device has been identified on bay ${req.bayId}.`,
        'Check the cable and power, then attach the device again.',
      );
    const org = await this.org();
    const customer = await this.account(req.accountId);
    const contact = req.contactId
      ? customer.contacts.find((c) => c.id.slice(0, 15) === req.contactId!.slice(0, 15))
      : undefined;
    if (req.contactId && !contact)
      throw new StationError(
        'NOT_FOUND',
        `The Contact ${req.contactId} is not a contact of ${customer.name}.`,
        'Pick one of the Account’s Contacts, or leave the Contact empty.',
      );

    const report = await this.deps.verify(req.bayId);
    const installer = this.deps.installer();
    if (!report.passed) {
      const failed = report.checks.filter((c) => !c.passed);
      this.deps.audit(
        'onboard.refused',
        { reason: failed.map((c) => `${c.name}: ${c.detail}`).join('; '), verifyJobId: report.jobId },
        { deviceUid: report.deviceUid },
      );
      throw new StationError(
        'VERIFY_FAILED',
        `This is not the registered device ${device.uid}: ${failed.map((c) => c.detail).join('; ')}. Nothing was changed in Salesforce.`,
        'Do not install this unit. Return it to the factory and install a unit that passes.',
      );
    }
    const asset = await org.port.findAssetByUid(report.deviceUid);
    if (!asset)
      throw new StationError(
        'NOT_FOUND',
        `Salesforce has no Asset for device ${report.deviceUid} any more.`,
        'Ask the factory to provision the device again.',
      );
    const at = (this.deps.now ?? (() => new Date()))().toISOString();
    const description = [
      `Installed by ${installer.name} (${installer.login}) on ${at}.`,
      req.location ? `Location: ${req.location}.` : '',
      req.notes ? `Notes: ${req.notes}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    await org.linkAsset(asset.id, {
      accountId: customer.id,
      contactId: contact?.id,
      installDate: at.slice(0, 10),
      description,
    });
    const { contacts: _contacts, ...account } = customer;
    const facts = {
      deviceUid: report.deviceUid,
      model: device.model,
      assetId: asset.id,
      account,
      ...(contact ? { contact } : {}),
      installer,
      at,
      checks: report.checks,
    };
    const pdf = await handoverPdf(facts);
    const filename = `handover-${report.deviceUid}-${at.slice(0, 19).replace(/[:T]/g, '')}.pdf`.replace(
      /[^A-Za-z0-9._-]/g,
      '_',
    );
    const dir = path.join(this.deps.home, 'handover');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, filename), pdf);
    this.deps.audit(
      'device.onboarded',
      {
        assetId: asset.id,
        accountId: customer.id,
        contactId: contact?.id ?? null,
        installer: installer.login,
        report: filename,
        verifyJobId: report.jobId,
      },
      { deviceUid: report.deviceUid },
    );
    return { ...facts, report: { filename, pdfBase64: pdf.toString('base64') } };
  }
}
