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
import type { Bay, StationConfig, VerifyReport } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { CustomerAccount, CustomerDetail, OnboardRequest, OnboardResult } from '../../shared/onboard';
import type { OrgPort } from '../bays/ports';
import type { DeviceDriver } from '../device';
import type { ParkedCloser } from '../jobs/parked-onboard';
import type { PersonalSession } from './installer-login';
import { onboardOnDevice } from './on-device';
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
  /** Opens the device on the bay for onboarding's own reads and writes (closed after). */
  openDevice(bayId: string): Promise<DeviceDriver>;
  /** The station's asset-token settings. */
  assetTokens(): StationConfig['salesforce']['assetTokens'];
  /** The installer's own Salesforce login (absent: the station cannot open a browser). */
  personalLogin?(): Promise<PersonalSession>;
  /** The clock (tests fix it). */
  now?: () => Date;
  /** Closes the device's provisioning job parked waiting for it, once its pending binding is written. */
  parked?: Pick<ParkedCloser, 'claim' | 'complete'>;
}

/** Onboards devices to customers. */
export class OnboardService {
  /** The installer's own Salesforce login, held for the operator who made it (memory only). */
  private personal: { login: string; session: PersonalSession } | undefined;

  constructor(private readonly deps: OnboardDeps) {}

  /**
   * The signed-in installer logs in to Salesforce as themselves (PKCE in the system browser), so the
   * asset tokens of the devices they onboard name them (core/onboard/installer-login.ts).
   * @returns the Salesforce username (or User Id). @throws StationError ORG_CONFIG (no browser, another
   *   org, port busy), ORG_AUTH (login denied or not finished)
   */
  async salesforceLogin(): Promise<{ username: string }> {
    if (!this.deps.personalLogin)
      throw new StationError(
        'ORG_CONFIG',
        'This station cannot open a browser for your Salesforce login.',
        'Onboard without your own login (the device keeps its factory asset token), or use the desktop app.',
      );
    const session = await this.deps.personalLogin();
    const port = await this.deps.org();
    if (port.orgId && session.orgId.slice(0, 15) !== port.orgId.slice(0, 15))
      throw new StationError(
        'ORG_CONFIG',
        `You logged in to another Salesforce org (${session.orgId}) than the station's (${port.orgId}).`,
        "Log in again with your account in the station's org.",
      );
    const login = this.deps.installer().login;
    this.personal = { login, session };
    const username = session.username ?? session.userId;
    this.deps.audit('onboard.salesforce-login', { installer: login, salesforceUser: username });
    return { username };
  }

  /** The installer's own login, if the signed-in operator made it; a login of another operator is dropped. */
  private subject(): PersonalSession | undefined {
    if (this.personal && this.personal.login !== this.deps.installer().login) this.personal = undefined;
    return this.personal?.session;
  }

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
    const refused = (reason: string) =>
      this.deps.audit(
        'onboard.refused',
        { reason, verifyJobId: report.jobId },
        { deviceUid: report.deviceUid },
      );
    const failed = report.checks.filter((c) => !c.passed);
    // only the Asset ID missing on the device: a pending binding, written below once the device is re-checked
    const pending = failed.length === 1 && failed[0]!.name === 'asset-link';
    if (failed.length && !pending) {
      refused(failed.map((c) => `${c.name}: ${c.detail}`).join('; '));
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
    const driver = await this.deps.openDevice(req.bayId);
    let onDevice: Awaited<ReturnType<typeof onboardOnDevice>>;
    let parkedJobId: string | undefined;
    try {
      // a parked factory job waiting for this device: same UID and the job's key, else nothing is written
      if (pending) parkedJobId = await this.deps.parked?.claim(report.deviceUid, asset.id, driver);
      onDevice = await onboardOnDevice({
        device: driver,
        verified: { deviceUid: report.deviceUid, assetId: asset.id, certFingerprint: asset.certFingerprint },
        orgId: org.port.orgId,
        org,
        assetTokens: this.deps.assetTokens(),
        subject: this.subject(),
      });
    } catch (e) {
      if (e instanceof StationError && e.code === 'DEVICE_MISMATCH') refused(e.message);
      throw e;
    } finally {
      await driver.close().catch(() => undefined);
    }
    if (parkedJobId && onDevice.checks[1].detail.startsWith('pending binding:'))
      this.deps.parked?.complete(parkedJobId, {
        assetId: asset.id,
        verifyJobId: report.jobId,
        installer: installer.login,
        assetToken: onDevice.checks[0].detail,
        binding: onDevice.checks[1].detail,
      });
    const checks = [
      ...report.checks.filter((c) => c.passed),
      ...(pending
        ? [{ name: 'asset-link', passed: true, detail: 'the device held no Asset ID yet (pending)' }]
        : []),
      ...onDevice.checks,
    ];
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
      checks,
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
        assetToken: onDevice.checks[0].detail,
        binding: onDevice.checks[1].detail,
        ...(onDevice.tokenSubject ? { tokenSubject: onDevice.tokenSubject } : {}),
      },
      { deviceUid: report.deviceUid },
    );
    return { ...facts, report: { filename, pdfBase64: pdf.toString('base64') } };
  }
}
