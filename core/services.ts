/**
 * The outside world as the station uses it: the contracts the wiring (wiring.ts) fulfils with the real
 * device link, station CA and Salesforce client, and the tests and harness with the same modules.
 */
import type { CaInfo, OrgStatus, StationConfig } from '../shared/domain';
import type { JobsAhead, OrgPort, PkiPort } from './bays/ports';
import type { DeviceDriver, DriverOpenOptions } from './device';
import type { AuditSink } from './records/audit-sync';
import type { PersonalSession } from './onboard/installer-login';
import type { Db } from './records/db';
import type { SecretStore } from './secrets';

/** How the station is being reached (reported by getStationInfo). */
export type TransportKind = 'ipc' | 'websocket' | 'in-process';

/** The station's PKI service: the saga's port plus CA facts for the UI. */
export interface PkiService extends PkiPort {
  info(): CaInfo;
}

/** Org connection control (login flows live in salesforce/; the station only drives them). */
export interface OrgService {
  /**
   * The connected org, or throws ORG_NOT_CONNECTED with the remedy. With `ahead`, the clone checks and
   * upserts of several bays wait for every bay still heading for that call (issue 18).
   */
  port(ahead?: JobsAhead): Promise<OrgPort>;
  status(): Promise<OrgStatus>;
  connect(): Promise<OrgStatus>;
  disconnect(): Promise<OrgStatus>;
  /**
   * Where the station's audit entries go (records/audit-sync.ts): the org of the current session, asked
   * on every send. Without it the station keeps its audit log local only.
   */
  auditSink?(): AuditSink;
  /**
   * The signed-in person's own Salesforce login (PKCE in the system browser), held in memory only: the
   * subject of the asset-token exchange at onboarding (core/onboard/installer-login.ts). Absent when
   * the station cannot open a browser.
   */
  personalLogin?(): Promise<PersonalSession>;
}

/** The outside world as the station uses it (wired to the real modules in wiring.ts). */
export interface StationServices {
  secrets: SecretStore;
  /** Opens the device's driver (the registry probes the families: core/device/drivers). */
  openDevice(locator: string, opts?: DriverOpenOptions): Promise<DeviceDriver>;
  /** Serial locators the OS lists (hot-plug watching). */
  listPorts(): Promise<string[]>;
  /** Folders holding device links to watch (the simulator's). */
  watchDirs: string[];
  /** Opens the station CA (lazily, once). */
  pki(db: Db): Promise<PkiService>;
  org(config: () => StationConfig): OrgService;
}

/** How to open a {@link Station} (core/station.ts). */
export interface StationOptions {
  home: string;
  transport: TransportKind;
  /** Without services the station answers info/config/records only (e.g. `asset-station info`). */
  services?: StationServices;
  /** Reconnect window for vanished devices, ms (tests shorten it). */
  reconnectWindowMs?: number;
}
