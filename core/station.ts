/**
 * The Station: owns the home, config, database and services, and implements the station API
 * (shared/api.ts). Free of Electron: the CLI, the tests and the WebSocket harness run it under plain
 * Node; the Electron shell binds it to IPC.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { EventEmitter } from 'node:events';
import type {
  EventName,
  EventPayload,
  MethodRequest,
  MethodResponse,
  StationMethods,
} from '../shared/api';
import {
  PROVISION_STEPS,
  VERIFY_STEPS,
  type CaInfo,
  type Job,
  type OrgStatus,
  type StationConfig,
} from '../shared/domain';
import { StationError } from '../shared/errors';
import { loadConfig, parseConfig, saveConfig } from './config';
import { openStationDb, type Db } from './records/db';
import type { DeviceClient, OpenOptions } from './device/types';
import { listSerialPorts } from './device/discovery';
import { ensureHome } from './home';
import { AuditLog } from './records/audit';
import { BayManager } from './bays/bays';
import { Journal } from './records/journal';
import type { OrgPort, PkiPort } from './bays/ports';
import { renderLabel } from './records/label';
import { listRecords, toCsv, toRecord } from './records/records';
import { runJob, type RunnerDeps } from './jobs/saga';
import { PROVISION_STEP_FNS, type StepContext } from './jobs/steps';
import { VERIFY_STEP_FNS, verifyChecks, verifyOutcome } from './jobs/verify';
import { SECRET_NAMES, type SecretStore } from './secrets';
import { PROTOCOL_VERSION, STATION_VERSION } from './version';

/** How the station is being reached (reported by getStationInfo). */
export type TransportKind = 'ipc' | 'websocket' | 'in-process';

/** The station's PKI service: the saga's port plus CA facts for the UI. */
export interface PkiService extends PkiPort {
  info(): CaInfo;
}

/** Org connection control (login flows live in salesforce/; the station only drives them). */
export interface OrgService {
  /** The connected org, or throws ORG_NOT_CONNECTED with the remedy. */
  port(): Promise<OrgPort>;
  status(): Promise<OrgStatus>;
  connect(): Promise<OrgStatus>;
  disconnect(): Promise<OrgStatus>;
}

/** The outside world as the station uses it (wired to the real modules in wiring.ts). */
export interface StationServices {
  secrets: SecretStore;
  openDevice(locator: string, opts?: OpenOptions): Promise<DeviceClient>;
  /** Serial locators the OS lists (hot-plug watching). */
  listPorts(): Promise<string[]>;
  /** Folders holding device links to watch (the simulator's). */
  watchDirs: string[];
  /** Opens the station CA (lazily, once). */
  pki(db: Db): Promise<PkiService>;
  org(config: () => StationConfig): OrgService;
}

export interface StationOptions {
  home: string;
  transport: TransportKind;
  /** Without services the station answers info/config/records only (e.g. `asset-station info`). */
  services?: StationServices;
  /** Reconnect window for vanished devices, ms (tests shorten it). */
  reconnectWindowMs?: number;
}

type Handler = (event: EventName, payload: unknown) => void;

interface Running {
  abort: AbortController;
  done: Promise<Job>;
  bayId: string;
}

const ADMIN_PIN_SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;

/** The station core. Create with {@link Station.open}; call {@link Station.close} when done. */
export class Station implements StationMethods {
  readonly home: string;
  readonly db: Db;
  readonly journal: Journal;
  private transport: TransportKind;
  private config: StationConfig;
  private readonly bus = new EventEmitter();
  private readonly services: StationServices | undefined;
  private audit: AuditLog | undefined;
  private bays: BayManager | undefined;
  private pkiPromise: Promise<PkiService> | undefined;
  private orgService: OrgService | undefined;
  private readonly running = new Map<string, Running>();
  private readonly memories = new Map<string, StepContext['memory']>();
  private batch = { succeeded: 0, failed: 0 };
  private readonly reconnectWindowMs: number | undefined;

  protected constructor(opts: StationOptions) {
    this.home = ensureHome(opts.home);
    this.transport = opts.transport;
    this.config = loadConfig(this.home);
    this.bus.setMaxListeners(100);
    this.db = openStationDb(this.home);
    this.journal = new Journal(this.db);
    this.services = opts.services;
    this.reconnectWindowMs = opts.reconnectWindowMs;
  }

  /**
   * Opens a station on a home folder. Jobs a previous process left running are marked `interrupted`
   * (they resume when their device is provisioned again or on Retry).
   * @throws StationError HOME_UNUSABLE, CONFIG_INVALID, AUDIT_BROKEN.
   */
  static async open(opts: StationOptions): Promise<Station> {
    const s = new Station(opts);
    if (opts.services) {
      s.audit = await AuditLog.open(s.db, opts.services.secrets, s.config.stationId);
      for (const j of s.journal.markInterrupted()) {
        s.audit.append({
          actor: 'station',
          action: 'job.interrupted',
          jobId: j.id,
          ...(j.deviceUid ? { deviceUid: j.deviceUid } : {}),
          data: { reason: 'the station stopped while the job ran' },
        });
      }
      const svc = opts.services;
      s.orgService = svc.org(() => s.config);
      s.bays = new BayManager({
        openDevice: (l, o) => svc.openDevice(l, o),
        openOptions: () => ({ baudRate: s.config.device.baudRate, lineControl: s.config.device.lineControl }),
        listPorts: () => svc.listPorts(),
        watchDirs: svc.watchDirs,
      });
      s.bays.on('bay', (b) => s.emit('bay', b));
      s.bays.on('arrived', (bayId: string) => s.onArrived(bayId));
    }
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
  }

  private log(
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    extra: { bayId?: string; jobId?: string } = {},
  ): void {
    this.emit('log', { at: new Date().toISOString(), level, message, ...extra });
  }

  // ---- plumbing ----

  private need(): { services: StationServices; audit: AuditLog; bays: BayManager } {
    if (!this.services || !this.audit || !this.bays) {
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        'This station was opened without its secret store, so it cannot run jobs.',
        'Open the station with its vault (CLI: set ASSET_STATION_VAULT_PASSPHRASE or answer the prompt).',
      );
    }
    return { services: this.services, audit: this.audit, bays: this.bays };
  }

  /** The station CA service (opened once). */
  pki(): Promise<PkiService> {
    const { services } = this.need();
    this.pkiPromise ??= services.pki(this.db).catch((e) => {
      this.pkiPromise = undefined;
      throw e;
    });
    return this.pkiPromise;
  }

  private org(): OrgService {
    this.need();
    return this.orgService!;
  }

  private operator(): string {
    return this.config.operator ?? os.userInfo().username;
  }

  private runnerDeps(): RunnerDeps {
    const { services, audit } = this.need();
    return {
      journal: this.journal,
      audit,
      config: () => this.config,
      operator: () => this.operator(),
      ports: {
        openDevice: (l, o) => services.openDevice(l, o),
        pki: () => this.pki(),
        org: () => this.org().port(),
      },
      onJob: (job) => this.emit('job', job),
      onStep: (jobId, bayId, step) => this.emit('step', { jobId, bayId, step }),
      locate: async (uid) => {
        await this.bays?.poll();
        return this.bays?.byUid(uid)?.locator;
      },
      ...(this.reconnectWindowMs !== undefined ? { reconnectWindowMs: this.reconnectWindowMs } : {}),
    };
  }

  /** Starts watching for hot-plugged devices (auto mode acts on them). */
  watch(): void {
    this.need().bays.watch();
  }

  private onArrived(bayId: string): void {
    if (!this.config.autoMode) return;
    const bay = this.bays!.get(bayId);
    if (bay.status === 'busy' || [...this.running.values()].some((r) => r.bayId === bayId)) return;
    this.startJob({ bayId, kind: 'provision' }).catch((e: Error) =>
      this.log('warn', `auto mode could not start a job on ${bayId}: ${e.message}`, { bayId }),
    );
  }

  private launch(jobId: string, bayId: string, kind: 'provision' | 'verify'): Job {
    const { bays } = this.need();
    const abort = new AbortController();
    const memory = this.memories.get(jobId) ?? {};
    this.memories.set(jobId, memory);
    bays.setJob(bayId, jobId, 'busy');
    const done = runJob(this.runnerDeps(), jobId, {
      steps: kind === 'provision' ? PROVISION_STEP_FNS : VERIFY_STEP_FNS,
      signal: abort.signal,
      memory,
      ...(kind === 'verify' ? { finalize: verifyOutcome } : {}),
    }).then((job) => {
      this.running.delete(jobId);
      if (job.state === 'succeeded') this.memories.delete(jobId);
      bays.setJob(bayId, jobId, job.state === 'succeeded' ? 'passed' : 'failed', job.error);
      if (job.state === 'succeeded') this.batch.succeeded++;
      else this.batch.failed++;
      if (this.running.size === 0) {
        this.emit('batch', this.batch);
        this.batch = { succeeded: 0, failed: 0 };
      }
      return job;
    });
    this.running.set(jobId, { abort, done, bayId });
    return this.journal.toApiJob(this.journal.getJob(jobId)!);
  }

  /** Resolves when the job ends (for CLI and tests). */
  async waitForJob(jobId: string): Promise<Job> {
    const r = this.running.get(jobId);
    if (r) return r.done;
    return this.getJob({ jobId });
  }

  // ---- API: info ----

  async ping(req: MethodRequest<'ping'>): Promise<MethodResponse<'ping'>> {
    const at = new Date().toISOString();
    this.log('debug', `ping ${req.nonce}`);
    return { nonce: req.nonce, at };
  }

  async getStationInfo(_req: MethodRequest<'getStationInfo'>): Promise<MethodResponse<'getStationInfo'>> {
    return {
      stationId: this.config.stationId,
      version: STATION_VERSION,
      home: this.home,
      platform: `${os.platform()}-${os.arch()}`,
      transport: this.transport,
      protocolVersion: PROTOCOL_VERSION,
    };
  }

  async listSerialPorts(_req: MethodRequest<'listSerialPorts'>): Promise<MethodResponse<'listSerialPorts'>> {
    return listSerialPorts();
  }

  // ---- API: bays and jobs ----

  async listBays(_req: MethodRequest<'listBays'>): Promise<MethodResponse<'listBays'>> {
    return this.bays?.list() ?? [];
  }

  async attachBay(req: MethodRequest<'attachBay'>): Promise<MethodResponse<'attachBay'>> {
    return this.need().bays.attach(req.locator);
  }

  async startJob(req: {
    bayId: string;
    kind: 'provision' | 'verify';
    inputs?: Record<string, string> | undefined;
    reprovision?: boolean | undefined;
  }): Promise<Job> {
    const { bays } = this.need();
    const bay = bays.get(req.bayId);
    if (bay.status === 'busy' || [...this.running.values()].some((r) => r.bayId === bay.id)) {
      throw new StationError(
        'CONFLICT',
        `Bay ${bay.id} is already running a job.`,
        'Wait for it to finish, or cancel it first.',
      );
    }
    if (!bay.device) {
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        `No device has been identified on bay ${bay.id} (${bay.locator}).`,
        'Check the cable and power, then attach the device again.',
      );
    }
    const uid = bay.device.uid;
    if (req.kind === 'provision') {
      const last = this.journal.latestJobForDevice(uid, 'provision');
      if (last && !req.reprovision) {
        // The bay's identity may predate that job: ask the device for its state now.
        const fresh =
          last.state === 'succeeded' ? ((await bays.attach(bay.locator)).device ?? bay.device) : bay.device;
        if (
          last.state === 'succeeded' &&
          fresh.uid === uid &&
          fresh.state.certInstalled &&
          fresh.state.assetIdSet
        ) {
          this.log('info', `${uid} is already provisioned (job ${last.id}); nothing to do.`, {
            bayId: bay.id,
            jobId: last.id,
          });
          bays.setJob(bay.id, last.id, 'passed');
          return this.journal.toApiJob(last);
        }
        if (last.state === 'failed' || last.state === 'interrupted' || last.state === 'cancelled') {
          this.log('info', `resuming job ${last.id} for ${uid}`, { bayId: bay.id, jobId: last.id });
          this.journal.relocate(last.id, bay.id, bay.locator);
          return this.launch(last.id, bay.id, 'provision');
        }
      }
    }
    const jobId = this.journal.createJob({
      kind: req.kind,
      bayId: bay.id,
      locator: bay.locator,
      deviceUid: uid,
      inputs: req.inputs ?? {},
      reprovision: Boolean(req.reprovision),
      operator: this.operator(),
      stationId: this.config.stationId,
      steps: req.kind === 'provision' ? PROVISION_STEPS : VERIFY_STEPS,
    });
    return this.launch(jobId, bay.id, req.kind);
  }

  async retryJob(req: MethodRequest<'retryJob'>): Promise<MethodResponse<'retryJob'>> {
    const { bays } = this.need();
    const job = this.journal.getJob(req.jobId);
    if (!job)
      throw new StationError('NOT_FOUND', `There is no job ${req.jobId}.`, 'Pick a job from the list.');
    if (this.running.has(job.id))
      throw new StationError(
        'CONFLICT',
        `Job ${job.id} is still running.`,
        'Wait for it to finish, or cancel it first.',
      );
    if (job.state === 'succeeded')
      throw new StationError('CONFLICT', `Job ${job.id} already succeeded.`, 'Nothing to retry.');
    const bay = (job.deviceUid && bays.byUid(job.deviceUid)) || bays.list().find((b) => b.id === job.bayId);
    if (!bay)
      throw new StationError(
        'DEVICE_PORT_NOT_FOUND',
        `Device ${job.deviceUid ?? ''} is not attached.`,
        'Plug the device in; the job resumes from its last finished step.',
      );
    if (bay.status === 'busy')
      throw new StationError('CONFLICT', `Bay ${bay.id} is busy.`, 'Wait for its job to finish.');
    this.journal.relocate(job.id, bay.id, bay.locator);
    return this.launch(job.id, bay.id, job.kind);
  }

  async cancelJob(req: MethodRequest<'cancelJob'>): Promise<MethodResponse<'cancelJob'>> {
    const r = this.running.get(req.jobId);
    if (!r) return this.getJob(req);
    r.abort.abort();
    return r.done;
  }

  async getJob(req: MethodRequest<'getJob'>): Promise<MethodResponse<'getJob'>> {
    const job = this.journal.getJob(req.jobId);
    if (!job)
      throw new StationError('NOT_FOUND', `There is no job ${req.jobId}.`, 'Pick a job from the list.');
    return this.journal.toApiJob(job);
  }

  async setAutoMode(req: MethodRequest<'setAutoMode'>): Promise<MethodResponse<'setAutoMode'>> {
    this.config = { ...this.config, autoMode: req.enabled };
    saveConfig(this.home, this.config);
    this.log('info', `auto mode ${req.enabled ? 'on' : 'off'}`);
    if (req.enabled && this.bays)
      for (const b of this.bays.list()) if (b.status === 'ready') this.onArrived(b.id);
    return { enabled: req.enabled };
  }

  async verifyDevice(req: MethodRequest<'verifyDevice'>): Promise<MethodResponse<'verifyDevice'>> {
    const job = await this.startJob({ bayId: req.bayId, kind: 'verify' });
    const done = await this.waitForJob(job.id);
    const outputs = Object.fromEntries(this.journal.steps(done.id).map((s) => [s.name, s.output]));
    const checks = verifyChecks(outputs);
    if (done.error && done.error.code !== 'VERIFY_FAILED') {
      const failedStep = done.steps.find((s) => s.state === 'failed');
      checks.push({
        name: failedStep?.name ?? 'verify',
        passed: false,
        detail: `${done.error.message} ${done.error.remedy}`,
      });
    }
    return {
      jobId: done.id,
      deviceUid: done.deviceUid ?? '',
      passed: done.state === 'succeeded',
      checks,
      at: done.endedAt ?? new Date().toISOString(),
    };
  }

  // ---- API: records ----

  async listRecords(req: MethodRequest<'listRecords'>): Promise<MethodResponse<'listRecords'>> {
    return listRecords(this.journal, req);
  }

  async getRecord(req: MethodRequest<'getRecord'>): Promise<MethodResponse<'getRecord'>> {
    const job = this.journal.getJob(req.jobId);
    if (!job)
      throw new StationError(
        'NOT_FOUND',
        `There is no record ${req.jobId}.`,
        'Pick a record from the history list.',
      );
    return { record: toRecord(job), steps: this.journal.toApiJob(job).steps };
  }

  async getLabel(req: MethodRequest<'getLabel'>): Promise<MethodResponse<'getLabel'>> {
    const job = this.journal.getJob(req.jobId);
    if (!job)
      throw new StationError(
        'NOT_FOUND',
        `There is no job ${req.jobId}.`,
        'Pick a record from the history list.',
      );
    const record = toRecord(job);
    return { filename: `label-${record.deviceUid}.svg`, svg: await renderLabel(record) };
  }

  async exportRecords(req: MethodRequest<'exportRecords'>): Promise<MethodResponse<'exportRecords'>> {
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

  // ---- API: settings ----

  async getConfig(_req: MethodRequest<'getConfig'>): Promise<MethodResponse<'getConfig'>> {
    return this.config;
  }

  async setConfig(req: MethodRequest<'setConfig'>): Promise<MethodResponse<'setConfig'>> {
    await this.checkAdminPin(req.adminPin);
    const next = parseConfig(req.config);
    saveConfig(this.home, next);
    this.config = next;
    this.audit?.append({
      actor: this.operator(),
      action: 'config.changed',
      data: { stationId: next.stationId },
    });
    this.log('info', 'settings saved');
    return next;
  }

  /** Sets the local admin PIN (stored as a scrypt hash in the SecretStore). */
  async setAdminPin(pin: string): Promise<void> {
    if (!/^\d{4,12}$/.test(pin))
      throw new StationError(
        'BAD_REQUEST',
        'The admin PIN must be 4 to 12 digits.',
        'Choose a PIN of 4 to 12 digits.',
      );
    const salt = crypto.randomBytes(16);
    const hash = crypto.scryptSync(pin, salt, 32, ADMIN_PIN_SCRYPT);
    await this.need().services.secrets.set(
      SECRET_NAMES.adminPinHash,
      `${salt.toString('base64')}:${hash.toString('base64')}`,
    );
  }

  private async checkAdminPin(pin: string | undefined): Promise<void> {
    const stored = await this.need().services.secrets.get(SECRET_NAMES.adminPinHash);
    if (!stored)
      throw new StationError(
        'UNAUTHORIZED',
        'No admin PIN is set on this station, so settings cannot be changed here.',
        'Set one with `asset-station admin pin` on the station computer.',
      );
    const [salt, hash] = stored.split(':');
    const got = crypto.scryptSync(pin ?? '', Buffer.from(salt ?? '', 'base64'), 32, ADMIN_PIN_SCRYPT);
    const want = Buffer.from(hash ?? '', 'base64');
    if (!pin || want.length !== got.length || !crypto.timingSafeEqual(got, want)) {
      this.audit?.append({ actor: this.operator(), action: 'admin.pin.rejected' });
      throw new StationError(
        'UNAUTHORIZED',
        'The admin PIN is not correct.',
        'Enter the station admin PIN, or ask the station administrator.',
      );
    }
  }

  async getOrgStatus(_req: MethodRequest<'getOrgStatus'>): Promise<MethodResponse<'getOrgStatus'>> {
    if (!this.orgService) return { connected: false };
    return this.orgService.status();
  }

  async connectOrg(_req: MethodRequest<'connectOrg'>): Promise<MethodResponse<'connectOrg'>> {
    const status = await this.org().connect();
    this.audit?.append({
      actor: this.operator(),
      action: 'org.connected',
      data: { username: status.username ?? '', instanceUrl: status.instanceUrl ?? '' },
    });
    return status;
  }

  async disconnectOrg(_req: MethodRequest<'disconnectOrg'>): Promise<MethodResponse<'disconnectOrg'>> {
    return this.org().disconnect();
  }

  async getCaInfo(_req: MethodRequest<'getCaInfo'>): Promise<MethodResponse<'getCaInfo'>> {
    try {
      return (await this.pki()).info();
    } catch (e) {
      if (e instanceof StationError && e.code === 'CA_NOT_INITIALISED')
        return { initialised: false, chain: [] };
      throw e;
    }
  }

  // ---- lifecycle ----

  /** Cancels running jobs, stops watching and closes the database. Idempotent. */
  async close(): Promise<void> {
    this.bays?.stop();
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    this.bus.removeAllListeners();
    if (this.db.open) this.db.close();
  }

  /** For transports: marks how the station is reached. */
  setTransport(kind: TransportKind): void {
    this.transport = kind;
  }
}

/** Error for a method a transport exposes but the core it is bound to does not implement. */
export function notWired(method: string): StationError {
  return new StationError(
    'UNKNOWN_METHOD',
    `The method ${method} is not available on this station.`,
    'Update Asset Station so the window and the core are the same version.',
  );
}
