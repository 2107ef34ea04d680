/**
 * The station API: one schema module for every request/response method and every event.
 *
 * Both transports (Electron IPC in electron/ipc.ts + electron/preload.ts, and the WebSocket browser
 * harness in dev/) are thin carriers of this contract and validate every message in both
 * directions with these schemas. The renderer sees only `window.station` of type {@link StationApi}.
 *
 * No Node and no DOM here.
 */
import { z } from 'zod';
import {
  Bay,
  CaInfo,
  DeviceIdentity,
  Job,
  JobKind,
  LogEntry,
  Locator,
  OrgStatus,
  ProvisioningRecord,
  SerialPortInfo,
  StationConfig,
  Step,
  VerifyReport,
} from './domain';
import { StationErrorShape } from './errors';
import { RetryInputs } from './retry';
import { CustomerAccount, CustomerDetail, OnboardRequest, OnboardResult } from './onboard';
import { CreateLotRequest, Lot, LotId, LotReportFile, LotSummary, SignOffLotRequest } from './qa';
import { YieldFilter, YieldReport } from './analytics';

const Empty = z.object({}).strict();
const Id = z.string().min(1).max(128);

/** Filter for the station log: lines at `level` or worse, of one bay, containing `text` (case-insensitive). */
export const LogFilter = z
  .object({
    level: z.enum(['debug', 'info', 'warn', 'error']).optional(),
    bayId: z.string().max(128).optional(),
    text: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  })
  .strict();

/** Filter for journal records (History screen, `journal list`). Dates are ISO strings. */
export const RecordFilter = z
  .object({
    text: z.string().max(200).optional(),
    outcome: z.enum(['succeeded', 'failed', 'cancelled', 'interrupted', 'running']).optional(),
    kind: JobKind.optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  })
  .strict();
export type RecordFilter = z.infer<typeof RecordFilter>;

/**
 * Every method: `request` validates the argument, `response` the resolved value.
 * Errors travel as {@link StationErrorShape}.
 */
/** Operator roles (core/operators/roles.ts says which acts each may do). */
export const OPERATOR_ROLES = ['technician', 'qa', 'installer', 'admin'] as const;
/** A signed-in operator. */
export const OperatorInfo = z.object({
  login: z.string(),
  name: z.string(),
  role: z.enum(OPERATOR_ROLES),
});
/** An operator account as listed to an admin. */
export const OperatorAccountInfo = OperatorInfo.extend({ disabled: z.boolean() });
const OperatorLogin = z.string().min(2).max(32);

export const methods = {
  /** Liveness check of the transport; echoes the nonce. */
  ping: {
    request: z.object({ nonce: z.string().max(256) }).strict(),
    response: z.object({ nonce: z.string(), at: z.string() }),
  },
  /** Station identity and versions. */
  getStationInfo: {
    request: Empty,
    response: z.object({
      stationId: z.string(),
      version: z.string(),
      home: z.string(),
      platform: z.string(),
      transport: z.enum(['ipc', 'websocket', 'in-process']),
      protocolVersion: z.number().int(),
      /** How long a job waits for a device that went away mid-job, ms (the RECONNECT countdown). */
      reconnectWindowMs: z.number().int().positive().optional(),
    }),
  },
  /** Serial ports seen by serialport's real list (USB VID/PID/serial number where known). */
  listSerialPorts: { request: Empty, response: z.array(SerialPortInfo) },

  /** Bays known to the station. */
  listBays: { request: Empty, response: z.array(Bay) },
  /** Adds a bay for a locator (serial:/tcp:/sim:) and identifies the device on it. */
  attachBay: { request: z.object({ locator: Locator }).strict(), response: Bay },
  /** Starts a job on a bay. `inputs` carries scanned fields (work order, Account Id). */
  startJob: {
    request: z
      .object({
        bayId: Id,
        kind: JobKind,
        inputs: z.record(z.string().max(64), z.string().max(256)).optional(),
        /** Admin override: re-provision a device that already has an identity (recorded in the audit log). */
        reprovision: z.boolean().optional(),
        /** The local admin PIN: required when `reprovision` is set (the core refuses it otherwise). */
        adminPin: z.string().min(4).max(64).optional(),
      })
      .strict(),
    response: Job,
  },
  /**
   * Retries a failed or interrupted job from its last finished step. `inputs` fill missing ones (or replace
   * an Account the org refused); replacing any other present input needs an administrator (`adminPin` on an
   * open bench). Rule: core/jobs/retry-inputs.ts.
   */
  retryJob: {
    request: z
      .object({
        jobId: Id,
        inputs: RetryInputs.optional(),
        adminPin: z.string().min(4).max(64).optional(),
      })
      .strict(),
    response: Job,
  },
  /** Cancels a running job; the device and org are left in the state the job's record states. */
  cancelJob: { request: z.object({ jobId: Id }).strict(), response: Job },
  getJob: { request: z.object({ jobId: Id }).strict(), response: Job },
  /**
   * Parked jobs, oldest first (core/jobs/parking.ts): waiting for Salesforce (`error.details.parked` is
   * `salesforce`) or registered and waiting for their device to be plugged in again (`device`).
   */
  listParkedJobs: { request: z.object({}).strict(), response: z.array(Job) },
  /**
   * Asks the org once now and, if it answers, registers every job waiting for Salesforce (their
   * devices get their Asset IDs on their next attach). `error`: why the org did not answer.
   */
  drainParkedJobs: {
    request: z.object({}).strict(),
    response: z.object({ reachable: z.boolean(), error: StationErrorShape.optional(), jobs: z.array(Job) }),
  },
  /** Auto mode: a newly attached matching device starts a provisioning job by itself. */
  setAutoMode: {
    request: z.object({ enabled: z.boolean() }).strict(),
    response: z.object({ enabled: z.boolean() }),
  },
  /** QA verify of the device on a bay; resolves when the verify job ends. */
  verifyDevice: { request: z.object({ bayId: Id }).strict(), response: VerifyReport },

  /** Journal records, newest first. */
  listRecords: { request: RecordFilter, response: z.array(ProvisioningRecord) },
  /** One record with its step timeline. */
  getRecord: {
    request: z.object({ jobId: Id }).strict(),
    response: z.object({ record: ProvisioningRecord, steps: z.array(Step) }),
  },
  /** The device label (62 × 29 mm SVG with a QR code of the UID) of a succeeded provisioning job. */
  getLabel: {
    request: z.object({ jobId: Id }).strict(),
    response: z.object({ filename: z.string(), svg: z.string() }),
  },
  /** The station log kept in the database, newest first: lines at `level` or worse, of one bay, containing `text`. */
  listLog: { request: LogFilter, response: z.array(LogEntry) },
  /** The filtered station log as a CSV file (oldest first). */
  exportLog: { request: LogFilter, response: z.object({ filename: z.string(), body: z.string() }) },
  /** Prints the device label as ZPL on the configured network label printer (raw TCP, port 9100 by default). */
  printLabel: {
    request: z.object({ jobId: Id }).strict(),
    response: z.object({ printer: z.string(), bytes: z.number().int() }),
  },
  /** Records as a file body (CSV or JSON). */

  exportRecords: {
    request: z.object({ format: z.enum(['csv', 'json']), filter: RecordFilter.optional() }).strict(),
    response: z.object({ filename: z.string(), mimeType: z.string(), content: z.string() }),
  },
  /** Yield analytics of the journal's provisioning jobs (docs/analytics.md): the Yield view and `report`. */
  getYieldReport: { request: YieldFilter, response: YieldReport },

  getConfig: { request: Empty, response: StationConfig },
  /** Changes settings; admin-only (a signed-in admin, or the local admin PIN). */
  setConfig: {
    request: z.object({ config: StationConfig, adminPin: z.string().min(4).max(64).optional() }).strict(),
    response: StationConfig,
  },
  getOrgStatus: { request: Empty, response: OrgStatus },
  /**
   * Starts the operator login (system browser, PKCE) or the JWT bearer flow, per configuration. The
   * JWT bearer flow logs the station in with its own key and needs the admin PIN.
   */
  connectOrg: {
    request: z.object({ adminPin: z.string().min(4).max(64).optional() }).strict(),
    response: OrgStatus,
  },
  disconnectOrg: { request: Empty, response: OrgStatus },
  /** Looks a scanned Account Id up in the org, so its name is shown before use (`found: false`: no such Account). */
  findAccount: {
    request: z.object({ accountId: z.string().min(1).max(64) }).strict(),
    response: z.object({ found: z.boolean(), id: z.string().optional(), name: z.string().optional() }),
  },
  getCaInfo: { request: Empty, response: CaInfo },

  /** Signs an operator in at the station (local account, PIN or password); every audit entry then names them. */
  signIn: {
    request: z.object({ login: OperatorLogin, secret: z.string().min(1).max(128) }).strict(),
    response: OperatorInfo,
  },
  signOut: { request: Empty, response: z.object({ operator: z.null() }) },
  /**
   * Who is signed in (`null`: nobody); `signInRequired` is true once the station has operator accounts
   * (from then on nothing but signing in works until someone does).
   */
  getOperator: {
    request: Empty,
    response: z.object({ operator: OperatorInfo.nullable(), signInRequired: z.boolean().optional() }),
  },
  /** The operator accounts (no secrets). */
  listOperators: { request: Empty, response: z.array(OperatorAccountInfo) },
  /** Adds an account; admin-only, except the first (which must be an admin). */
  addOperator: {
    request: z
      .object({
        login: OperatorLogin,
        name: z.string().min(1).max(80),
        role: z.enum(OPERATOR_ROLES),
        secret: z.string().min(4).max(128),
      })
      .strict(),
    response: OperatorAccountInfo,
  },
  /** Changes an account's role or disables it; admin-only. */
  updateOperator: {
    request: z
      .object({
        login: OperatorLogin,
        role: z.enum(OPERATOR_ROLES).optional(),
        disabled: z.boolean().optional(),
      })
      .strict(),
    response: OperatorAccountInfo,
  },
  /** Removes an account (never the last admin); admin-only. */
  removeOperator: {
    request: z.object({ login: OperatorLogin }).strict(),
    response: z.object({ removed: z.string() }),
  },
  /** Sets a new PIN or password for an account (a forgotten PIN); admin-only. */
  setOperatorSecret: {
    request: z.object({ login: OperatorLogin, secret: z.string().min(4).max(128) }).strict(),
    response: z.object({ login: z.string() }),
  },
  /** Customer Accounts whose name contains `text` (onboarding, and Retry with an Account; technician, installer or admin). */
  searchAccounts: {
    request: z.object({ text: z.string().min(1).max(80) }).strict(),
    response: z.array(CustomerAccount),
  },
  /** One customer Account by Id, with its Contacts (onboarding; installer or admin). */
  getAccount: {
    request: z.object({ accountId: z.string().min(1).max(64) }).strict(),
    response: CustomerDetail,
  },
  /**
   * Onboards the device on a bay to a customer: proves it is the registered device (refused otherwise,
   * nothing written), links its Asset to the Account/Contact as Installed, returns the handover PDF.
   */
  onboardDevice: { request: OnboardRequest, response: OnboardResult },

  /** QA lots (docs/qa.md): every lot, newest first, with device counts. */
  listLots: { request: Empty, response: z.array(LotSummary) },
  /** One QA lot with each device's latest checks and its provisioning record. */
  getLot: { request: z.object({ lotId: LotId }).strict(), response: Lot },
  /** Creates a QA lot from a work order or production lot, or empty to scan devices into (QA or admin). */
  createLot: { request: CreateLotRequest, response: Lot },
  /** Adds a scanned device UID to an open lot (QA or admin). */
  addLotDevice: {
    request: z.object({ lotId: LotId, deviceUid: z.string().min(1).max(128) }).strict(),
    response: Lot,
  },
  /** Verifies the lot's devices attached to the station (all, or `deviceUids`); resolves when done (QA or admin). */
  verifyLot: {
    request: z
      .object({ lotId: LotId, deviceUids: z.array(z.string().min(1).max(128)).max(10_000).optional() })
      .strict(),
    response: Lot,
  },
  /** Signs a lot off as accepted or rejected; accepting one with failures needs their dispositions (QA or admin). */
  signOffLot: { request: SignOffLotRequest, response: Lot },
  /** The lot report: PDF (base64) or CSV (one row per device per check). */
  exportLotReport: {
    request: z.object({ lotId: LotId, format: z.enum(['pdf', 'csv']) }).strict(),
    response: LotReportFile,
  },
  /**
   * The signed-in installer logs in to Salesforce as themselves (system browser), so the asset tokens of
   * the devices they onboard are exchanged with their login as the subject; held in memory only.
   */
  onboardSalesforceLogin: {
    request: z.object({}).strict(),
    response: z.object({ username: z.string() }),
  },
} as const;

export type MethodName = keyof typeof methods;
export type MethodRequest<M extends MethodName> = z.input<(typeof methods)[M]['request']>;
export type MethodResponse<M extends MethodName> = z.output<(typeof methods)[M]['response']>;

/** Every event of the typed stream. */
export const events = {
  bay: Bay,
  job: Job,
  step: z.object({ jobId: z.string(), bayId: z.string(), step: Step }),
  log: LogEntry,
  /** A batch of jobs (several bays) has finished; the desktop shell shows a notification. */
  batch: z.object({ succeeded: z.number().int(), failed: z.number().int() }),
} as const;

export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export type EventHandler<E extends EventName> = (payload: EventPayload<E>) => void;

/** What the renderer sees as `window.station`. */
export type StationApi = {
  [M in MethodName]: (request: MethodRequest<M>) => Promise<MethodResponse<M>>;
} & {
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, handler: EventHandler<E>): () => void;
};

/** The implementation side (the station core): same methods, no event subscription. */
export type StationMethods = {
  [M in MethodName]: (request: MethodResponseInput<M>) => Promise<MethodResponse<M>>;
};
type MethodResponseInput<M extends MethodName> = z.output<(typeof methods)[M]['request']>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

// ---- wire envelopes (WebSocket harness; IPC carries the inner parts) ----

/** Client → server: call a method. */
export const CallMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(64),
  params: z.unknown(),
});
/** Server → client: a method's result. */
export const ResultMessage = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    ok: z.literal(false),
    error: StationErrorShape,
  }),
]);
/** Server → client: an event. */
export const EventMessage = z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() });
export const ServerMessage = z.union([ResultMessage, EventMessage]);

/** Outcome of a method call as carried over IPC (`ipcRenderer.invoke` cannot carry typed errors). */
export const CallOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: StationErrorShape }),
]);
export type CallOutcome = z.infer<typeof CallOutcome>;

export { DeviceIdentity };
