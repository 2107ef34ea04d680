/**
 * Builds the parts of a station that need its services (secret store, devices, CA, org): the audit
 * log, the bays, the admin PIN, the job runner and the org connection, wired to each other and to the
 * station's events. Jobs a previous process left running are marked `interrupted` on the way.
 */
import path from 'node:path';
import type { EventName, EventPayload } from '../shared/api';
import type { CaInfo, LogEntry, StationConfig } from '../shared/domain';
import { StationError } from '../shared/errors';
import { BayManager } from './bays/bays';
import { ParkedCloser } from './jobs/parked-onboard';
import { JobRunner } from './jobs/runner';
import { StepCensus } from './jobs/step-census';
import { OnboardService } from './onboard/service';
import { LotService } from './qa/service';
import { OperatorAccounts } from './operators/accounts';
import { AdminPin } from './operators/admin-pin';
import type { Operator } from './operators/roles';
import { OrgConnection } from './org-connection';
import { deviceOpenOptions } from './settings';
import { CONFIG_FILE } from './config';
import { AuditLog } from './records/audit';
import { AuditSync } from './records/audit-sync';
import type { Db } from './records/db';
import type { Journal } from './records/journal';
import type { OrgService, PkiService, StationServices } from './services';

/** The parts of a station that need its services. */
export interface StationParts {
  services: StationServices;
  audit: AuditLog;
  bays: BayManager;
  adminPin: AdminPin;
  /** The local operator accounts (roles, scrypt-hashed PINs in the SecretStore). */
  operators: OperatorAccounts;
  runner: JobRunner;
  /** Onboard mode (core/onboard/): a device linked to its customer, with a handover report. */
  onboard: OnboardService;
  /** QA lots (core/qa/): verify a set of devices, sign off, lot reports. */
  lots: LotService;
  org: OrgConnection;
  /** Sends every audit entry to the org in the background (absent when the org service has no sink). */
  auditSync?: AuditSync;
  /** The station CA service (opened on first use, once; a failed open is retried next time). */
  pki(): Promise<PkiService>;
  /** The CA facts for the UI (`initialised: false` before `ca init`). */
  caInfo(): Promise<CaInfo>;
}

/** What the parts need from the station. */
export interface StationPartsDeps {
  db: Db;
  journal: Journal;
  /** The station home. */
  home: string;
  services: StationServices;
  config(): StationConfig;
  operator(): string;
  /** The operator signed in at the station, if any. */
  signedIn(): Operator | undefined;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  log(level: LogEntry['level'], message: string, extra?: { bayId?: string; jobId?: string }): void;
  reconnectWindowMs?: number | undefined;
}

/** Builds and wires the parts. @throws StationError AUDIT_BROKEN (from the audit log). */
export async function buildStationParts(d: StationPartsDeps): Promise<StationParts> {
  const { services, config } = d;
  const audit = await AuditLog.open(d.db, services.secrets, config().stationId);
  const adminAudit = (action: string, data: Record<string, unknown>) =>
    audit.append({ actor: d.operator(), action, data });
  const adminPin = new AdminPin({ secrets: services.secrets, audit: adminAudit, signedIn: d.signedIn });
  const operators = new OperatorAccounts({ secrets: services.secrets, audit: adminAudit });
  let pkiPromise: Promise<PkiService> | undefined;
  const pki = (): Promise<PkiService> =>
    (pkiPromise ??= services.pki(d.db).catch((e: unknown) => {
      pkiPromise = undefined;
      throw e;
    }));
  const bays = new BayManager({
    openDevice: (l, o) => services.openDevice(l, o),
    openOptions: () => deviceOpenOptions(config()),
    listPorts: () => services.listPorts(),
    watchDirs: services.watchDirs,
  });
  const org = services.org(config);
  const census = new StepCensus(); // where the jobs are, for the org batches (issue 18)
  const live = new Set<string>(); // jobs queued or running: the audit sync holds entries meanwhile
  const late: { auditSync?: AuditSync } = {}; // set below, once the org service exists
  const runner = new JobRunner({
    journal: d.journal,
    audit,
    bays,
    adminPin,
    config,
    settingsFile: path.join(d.home, CONFIG_FILE),
    operator: d.operator,
    ports: { openDevice: (l, o) => services.openDevice(l, o), pki, org: () => org.port(census) },
    onJob: (job) => {
      census.job(job);
      if (job.state === 'queued' || job.state === 'running') live.add(job.id);
      else if (live.delete(job.id) && live.size === 0) late.auditSync?.lineIdle();
      d.emit('job', job);
    },
    onStep: (jobId, bayId, step) => {
      census.step(jobId, step);
      d.emit('step', { jobId, bayId, step });
    },
    onBatch: (counts) => d.emit('batch', counts),
    log: d.log,
    ...(d.reconnectWindowMs !== undefined ? { reconnectWindowMs: d.reconnectWindowMs } : {}),
  });
  runner.markInterrupted();
  d.journal.warm(); // the journal's statements prepared before the first job (issue 18)
  bays.on('bay', (b) => d.emit('bay', b));
  // Warm the CA (key decryption, HSM login) when the first bay appears, off the first job's critical
  // path (issue 18: a cold first device cost ~2× a warm one). A failure is left for the job to report.
  bays.once('bay', () => void pki().catch(() => undefined));
  bays.on('arrived', (bayId: string) => runner.onArrived(bayId));
  const auditSync = startAuditSync(d, audit, org, () => live.size > 0);
  if (auditSync) late.auditSync = auditSync;
  const orgConnection = new OrgConnection({
    // a fresh login retries the waiting audit entries at once, not after the backoff pause
    org: { ...org, connect: () => org.connect().finally(() => auditSync?.wake()) },
    adminPin,
    config,
    audit: adminAudit,
  });
  const caInfo = (): Promise<CaInfo> =>
    pki().then(
      (p) => p.info(),
      (e: unknown) => {
        if (e instanceof StationError && e.code === 'CA_NOT_INITIALISED')
          return { initialised: false, chain: [] };
        throw e;
      },
    );
  const onboard = new OnboardService({
    home: d.home,
    bay: (bayId) => bays.get(bayId),
    verify: (bayId) => runner.verifyDevice({ bayId }),
    org: () => org.port(),
    installer: () => d.signedIn() ?? { login: d.operator(), name: d.operator() },
    openDevice: (bayId) => services.openDevice(bays.get(bayId).locator, deviceOpenOptions(config())),
    assetTokens: () => config().salesforce.assetTokens,
    ...(org.personalLogin ? { personalLogin: () => org.personalLogin!() } : {}),
    audit: (action, data, device) => audit.append({ actor: d.operator(), action, data, ...device }),
    parked: new ParkedCloser({
      journal: d.journal,
      audit,
      actor: d.operator,
      onJob: (job) => d.emit('job', job),
    }),
  });
  const lots = new LotService({
    db: d.db,
    journal: d.journal,
    bays: () => bays.list(),
    verify: (bayId) => runner.verifyDevice({ bayId }),
    signedIn: d.signedIn,
    operator: d.operator,
    stationId: () => config().stationId,
    audit: (action, data, deviceUid) =>
      audit.append({ actor: d.operator(), action, data, ...(deviceUid ? { deviceUid } : {}) }),
  });
  return {
    services,
    audit,
    bays,
    adminPin,
    operators,
    runner,
    onboard,
    lots,
    org: orgConnection,
    ...(auditSync ? { auditSync } : {}),
    pki,
    caInfo,
  };
}

/** Audit errors that only mean "no org yet": logged at debug level, not as warnings. */
const NOT_CONNECTED = new Set(['ORG_NOT_CONNECTED', 'ORG_CONFIG']);

/**
 * Starts the background audit sync (docs/salesforce-setup.md §10) when the org service offers a sink: every
 * entry appended from now on, and every one still queued, is sent to the org; the line never waits for it.
 * While `busy()` (jobs queued or running), entries are held until the line goes idle (lineIdle), a batch
 * is full, or 30 s passed.
 */
function startAuditSync(
  d: StationPartsDeps,
  audit: AuditLog,
  org: OrgService,
  busy: () => boolean,
): AuditSync | undefined {
  if (!org.auditSink) return undefined;
  const sync = new AuditSync(d.db, audit, d.config().stationId, org.auditSink(), {
    busy, // while jobs run, a batch of devices shares one audit call (issue 18)
    onError: (e) => {
      const code = e instanceof StationError ? e.code : undefined;
      const text = e instanceof StationError ? `${e.message} ${e.remedy}` : String(e);
      if (code === 'AUDIT_BROKEN') {
        // the org's copy contradicts this log (rolled back, rewritten, or a second station with this ID)
        d.log('error', `This station's audit log does not match the copy in Salesforce: ${text}`);
        return;
      }
      d.log(
        code && NOT_CONNECTED.has(code) ? 'debug' : 'warn',
        `Audit entries not sent to Salesforce yet (${sync.pending()} waiting; retried automatically): ${text}`,
      );
    },
  });
  sync.start();
  return sync;
}
