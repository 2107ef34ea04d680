/**
 * The Station: owns the home, settings, database and services, and implements the station API
 * (shared/api.ts) as a façade — each API method is one call into the service that owns it: jobs
 * (jobs/runner.ts), settings (settings.ts), the org connection (org-connection.ts), records
 * (records/), the admin PIN (operators/admin-pin.ts). Every method first passes the role guard
 * (operators/guard.ts). Free of Electron: the CLI, the tests and the
 * WebSocket harness run it under plain Node; the Electron shell binds it to IPC.
 */
import os from 'node:os';
import { EventEmitter } from 'node:events';
import type {
  EventName,
  EventPayload,
  MethodName,
  MethodRequest,
  MethodResponse,
  StationMethods,
} from '../shared/api';
import type { Job, LogEntry } from '../shared/domain';
import { StationError } from '../shared/errors';
import { listSerialPorts } from './device/discovery';
import { ensureHome } from './home';
import { RECONNECT_WINDOW_MS } from './jobs/recovery';
import { AccessGuard, guardMethods } from './operators/guard';
import type { Operator } from './operators/roles';
import { openStationDb, type Db } from './records/db';
import { Journal } from './records/journal';
import { RecordsService } from './records/service';
import { yieldReport } from './analytics';
import { StationLog } from './records/station-log';
import type { PkiService, StationOptions, TransportKind } from './services';
import { Settings } from './settings';
import { buildStationParts, type StationParts } from './station-parts';
import { PROTOCOL_VERSION, STATION_VERSION } from './version';

export type { OrgService, PkiService, StationOptions, StationServices, TransportKind } from './services';

type LogExtra = { bayId?: string; jobId?: string };

/** On close, the longest wait for the last audit entries to reach the org, ms (they stay queued otherwise). */
export const AUDIT_DRAIN_MS = 5000;
type Handler = (event: EventName, payload: unknown) => void;
type Req<M extends MethodName> = MethodRequest<M>;
type Res<M extends MethodName> = Promise<MethodResponse<M>>;

/** The station core. Create with {@link Station.open}; call {@link Station.close} when done. */
export class Station implements StationMethods {
  readonly home: string;
  readonly db: Db;
  readonly journal: Journal;
  private transport: TransportKind;
  private readonly bus = new EventEmitter();
  private readonly settings: Settings;
  private readonly records: RecordsService;
  /** The log that stays (records/station-log.ts). */
  private readonly stationLog: StationLog;
  private wired: StationParts | undefined;
  private readonly reconnectWindowMs: number;
  /** The operator signed in at this station (one at a time, kiosk style), if any. */
  private signedIn: Operator | undefined;

  protected constructor(opts: StationOptions) {
    this.home = ensureHome(opts.home);
    this.transport = opts.transport;
    this.reconnectWindowMs = opts.reconnectWindowMs ?? RECONNECT_WINDOW_MS;
    this.settings = new Settings({
      home: this.home,
      adminPin: () => this.need().adminPin,
      audit: (action, data) => this.need().audit.append({ actor: this.operator(), action, data }),
      log: (level, message) => this.log(level, message),
    });
    this.bus.setMaxListeners(100);
    this.db = openStationDb(this.home);
    this.journal = new Journal(this.db);
    this.records = new RecordsService(this.journal);
    this.stationLog = new StationLog(this.db);
  }

  /**
   * Opens a station on a home folder. Jobs a previous process left running are marked `interrupted`
   * (they resume when their device is provisioned again or on Retry).
   * @throws StationError HOME_UNUSABLE, CONFIG_INVALID, AUDIT_BROKEN.
   */
  static async open(opts: StationOptions): Promise<Station> {
    const s = new Station(opts);
    if (opts.services)
      s.wired = await buildStationParts({
        db: s.db,
        journal: s.journal,
        home: s.home,
        services: opts.services,
        config: () => s.settings.get(),
        operator: () => s.operator(),
        signedIn: () => s.signedIn,
        emit: (event, payload) => s.emit(event, payload),
        log: (level, message, extra) => s.log(level, message, extra),
        reconnectWindowMs: opts.reconnectWindowMs,
      });
    const guard = new AccessGuard({
      signedIn: () => s.signedIn,
      hasAccounts: () => s.wired?.operators.hasAny() ?? Promise.resolve(false),
      jobKind: (jobId) => s.journal.getJob(jobId)?.kind,
      audit: (action, data) => s.wired?.audit.append({ actor: s.operator(), action, data }),
    });
    guardMethods(s, (method, req) => guard.check(method, req));
    return s;
  }

  // ---- events ----

  /** Subscribes to every event (transports use this); returns the unsubscribe function. */
  subscribe(handler: Handler): () => void {
    this.bus.on('event', handler);
    return () => this.bus.off('event', handler);
  }

  protected emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.bus.emit('event', event, payload);
    // A finished job leaves one line in the station log (records/station-log.ts).
    const line = event === 'job' ? this.stationLog.jobLine(payload as Job) : undefined;
    if (line) this.emit('log', line);
    if (event === 'log') this.stationLog.append(payload as LogEntry);
  }

  private log(level: LogEntry['level'], message: string, extra: LogExtra = {}): void {
    this.emit('log', { at: new Date().toISOString(), level, message, ...extra });
  }

  // ---- plumbing ----

  private need(): StationParts {
    if (this.wired) return this.wired;
    throw new StationError(
      'SECRET_STORE_UNAVAILABLE',
      'This station was opened without its secret store, so it cannot run jobs.',
      'Open the station with its vault (CLI: set ASSET_STATION_VAULT_PASSPHRASE or answer the prompt).',
    );
  }

  /** The station CA service (opened once). */
  pki(): Promise<PkiService> {
    return this.need().pki();
  }

  /** Who audit entries and jobs name: the signed-in operator's login, else the configured name or OS user. */
  private operator(): string {
    return this.signedIn?.login ?? this.settings.get().operator ?? os.userInfo().username;
  }

  /** Starts watching for hot-plugged devices (auto mode acts on them). */
  watch(): void {
    this.need().bays.watch();
  }

  /** Resolves when the job ends (for CLI and tests). */
  async waitForJob(jobId: string): Promise<Job> {
    return this.wired ? this.wired.runner.waitForJob(jobId) : this.records.job(jobId);
  }

  /** Sets or (with the current PIN) changes the admin PIN. @throws StationError BAD_REQUEST, UNAUTHORIZED. */
  setAdminPin(pin: string, currentPin?: string): Promise<void> {
    return this.need().adminPin.set(pin, currentPin);
  }

  /** True when an admin PIN is set on this station. */
  hasAdminPin(): Promise<boolean> {
    return this.need().adminPin.isSet();
  }

  // ---- API (shared/api.ts): one service call each ----

  async ping(req: Req<'ping'>): Res<'ping'> {
    this.log('debug', `ping ${req.nonce}`);
    return { nonce: req.nonce, at: new Date().toISOString() };
  }

  async getStationInfo(_req: Req<'getStationInfo'>): Res<'getStationInfo'> {
    return {
      stationId: this.settings.get().stationId,
      version: STATION_VERSION,
      home: this.home,
      platform: `${os.platform()}-${os.arch()}`,
      transport: this.transport,
      protocolVersion: PROTOCOL_VERSION,
      reconnectWindowMs: this.reconnectWindowMs,
    };
  }

  async listSerialPorts(_req: Req<'listSerialPorts'>): Res<'listSerialPorts'> {
    return listSerialPorts();
  }

  // bays and jobs (jobs/runner.ts)
  async listBays(_req: Req<'listBays'>): Res<'listBays'> {
    return this.wired?.bays.list() ?? [];
  }
  async attachBay(req: Req<'attachBay'>): Res<'attachBay'> {
    return this.need().bays.attach(req.locator);
  }
  async startJob(req: Req<'startJob'>): Res<'startJob'> {
    return this.need().runner.startJob(req);
  }
  async retryJob(req: Req<'retryJob'>): Res<'retryJob'> {
    return this.need().runner.retryJob(req);
  }
  async cancelJob(req: Req<'cancelJob'>): Res<'cancelJob'> {
    return this.need().runner.cancelJob(req);
  }
  async getJob(req: Req<'getJob'>): Res<'getJob'> {
    return this.records.job(req.jobId);
  }
  async listParkedJobs(_req: Req<'listParkedJobs'>): Res<'listParkedJobs'> {
    return this.journal.jobsInState('parked').map((j) => this.journal.toApiJob(j)); // no vault needed
  }
  async drainParkedJobs(_req: Req<'drainParkedJobs'>): Res<'drainParkedJobs'> {
    return this.need().runner.drainParked();
  }
  async setAutoMode(req: Req<'setAutoMode'>): Res<'setAutoMode'> {
    const r = this.settings.setAutoMode(req.enabled);
    if (req.enabled) this.wired?.runner.autoModeOn();
    return r;
  }
  async verifyDevice(req: Req<'verifyDevice'>): Res<'verifyDevice'> {
    return this.need().runner.verifyDevice(req);
  }

  // records (records/service.ts)
  async listRecords(req: Req<'listRecords'>): Res<'listRecords'> {
    return this.records.list(req);
  }
  async getRecord(req: Req<'getRecord'>): Res<'getRecord'> {
    return this.records.record(req.jobId);
  }
  async getLabel(req: Req<'getLabel'>): Res<'getLabel'> {
    return this.records.label(req.jobId);
  }
  async listLog(req: Req<'listLog'>): Res<'listLog'> {
    return this.stationLog.list(req);
  }
  async exportLog(req: Req<'exportLog'>): Res<'exportLog'> {
    return this.stationLog.exportCsv(req);
  }
  async printLabel(req: Req<'printLabel'>): Res<'printLabel'> {
    return this.records.printLabel(req.jobId, this.settings.get().bench?.labelPrinter);
  }
  async exportRecords(req: Req<'exportRecords'>): Res<'exportRecords'> {
    return this.records.export(req);
  }
  async getYieldReport(req: Req<'getYieldReport'>): Res<'getYieldReport'> {
    return yieldReport(this.journal, req);
  }

  // settings (settings.ts), org (org-connection.ts), CA
  async getConfig(_req: Req<'getConfig'>): Res<'getConfig'> {
    return this.settings.get();
  }
  async setConfig(req: Req<'setConfig'>): Res<'setConfig'> {
    return this.settings.replace(req);
  }
  async getOrgStatus(_req: Req<'getOrgStatus'>): Res<'getOrgStatus'> {
    return this.wired?.org.status() ?? { connected: false };
  }
  async connectOrg(req: Req<'connectOrg'>): Res<'connectOrg'> {
    return this.need().org.connect(req);
  }
  async disconnectOrg(_req: Req<'disconnectOrg'>): Res<'disconnectOrg'> {
    return this.need().org.disconnect();
  }
  async findAccount(req: Req<'findAccount'>): Res<'findAccount'> {
    return this.need().org.findAccount(req.accountId);
  }
  async getCaInfo(_req: Req<'getCaInfo'>): Res<'getCaInfo'> {
    return this.need().caInfo();
  }

  // operators (operators/accounts.ts, operators/roles.ts)
  async signIn(req: Req<'signIn'>): Res<'signIn'> {
    this.signedIn = await this.need().operators.signIn(req.login, req.secret);
    return this.signedIn;
  }
  async signOut(_req: Req<'signOut'>): Res<'signOut'> {
    if (this.signedIn)
      this.wired?.audit.append({ actor: this.signedIn.login, action: 'operator.signout', data: {} });
    this.signedIn = undefined;
    return { operator: null };
  }
  async getOperator(_req: Req<'getOperator'>): Res<'getOperator'> {
    return {
      operator: this.signedIn ?? null,
      signInRequired: (await this.wired?.operators.hasAny()) ?? false,
    };
  }
  async listOperators(_req: Req<'listOperators'>): Res<'listOperators'> {
    return this.need().operators.list();
  }
  async addOperator(req: Req<'addOperator'>): Res<'addOperator'> {
    return this.need().operators.add(req, this.signedIn);
  }
  async updateOperator(req: Req<'updateOperator'>): Res<'updateOperator'> {
    const { login, ...change } = req;
    return this.need().operators.update(login, change, this.signedIn);
  }
  async removeOperator(req: Req<'removeOperator'>): Res<'removeOperator'> {
    await this.need().operators.remove(req.login, this.signedIn);
    return { removed: req.login };
  }
  async setOperatorSecret(req: Req<'setOperatorSecret'>): Res<'setOperatorSecret'> {
    await this.need().operators.setSecret(req.login, req.secret, this.signedIn);
    return { login: req.login };
  }

  // onboarding (onboard/service.ts)
  async searchAccounts(req: Req<'searchAccounts'>): Res<'searchAccounts'> {
    return this.need().onboard.searchAccounts(req.text);
  }
  async getAccount(req: Req<'getAccount'>): Res<'getAccount'> {
    return this.need().onboard.account(req.accountId);
  }
  async onboardDevice(req: Req<'onboardDevice'>): Res<'onboardDevice'> {
    return this.need().onboard.onboard(req);
  }
  async onboardSalesforceLogin(_req: Req<'onboardSalesforceLogin'>): Res<'onboardSalesforceLogin'> {
    return this.need().onboard.salesforceLogin();
  }

  // QA lots (qa/service.ts)
  async listLots(_req: Req<'listLots'>): Res<'listLots'> {
    return this.need().lots.list();
  }
  async getLot(req: Req<'getLot'>): Res<'getLot'> {
    return this.need().lots.get(req.lotId);
  }
  async createLot(req: Req<'createLot'>): Res<'createLot'> {
    return this.need().lots.create(req);
  }
  async addLotDevice(req: Req<'addLotDevice'>): Res<'addLotDevice'> {
    return this.need().lots.add(req.lotId, req.deviceUid);
  }
  async verifyLot(req: Req<'verifyLot'>): Res<'verifyLot'> {
    return this.need().lots.verify(req.lotId, req.deviceUids);
  }
  async signOffLot(req: Req<'signOffLot'>): Res<'signOffLot'> {
    return this.need().lots.signOff(req);
  }
  async exportLotReport(req: Req<'exportLotReport'>): Res<'exportLotReport'> {
    return this.need().lots.report(req.lotId, req.format);
  }

  // ---- lifecycle ----

  /**
   * Stops every running job as `interrupted` (each resumes on the next Start) and resolves with the
   * stopped jobs; the station stays open. For a shutdown the operator asked for (Ctrl-C on the CLI).
   */
  async interruptJobs(): Promise<Job[]> {
    return (await this.wired?.runner.interruptAll()) ?? [];
  }

  /**
   * Cancels running jobs, stops watching, stops the audit sync (sending what is queued when the org is
   * reachable, waiting at most {@link AUDIT_DRAIN_MS}), writes the audit's rollback anchor and closes the
   * database. Idempotent.
   */
  async close(): Promise<void> {
    this.wired?.bays.stop();
    await this.wired?.runner.close();
    await this.wired?.auditSync?.stop({ drainMs: AUDIT_DRAIN_MS });
    await this.wired?.audit.anchored(); // the rollback anchor covers every entry (audit-anchor.ts)
    this.bus.removeAllListeners();
    if (this.db.open) this.db.close();
  }

  /** For transports: marks how the station is reached. */
  setTransport(kind: TransportKind): void {
    this.transport = kind;
  }
}
