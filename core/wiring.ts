/**
 * Wires the station to the real outside parties: the device link (device/), the station CA (pki/) and
 * the Salesforce client (salesforce/). The Electron shell, the CLI and the browser harness all call
 * {@link realServices}; only the SecretStore and the way to open a browser differ between them.
 */
import { settingsFileOf } from './config';
import * as pkiLib from './pki';
import { StationCa } from './pki';
import { openDeviceDriver, type TransportFactories } from './device';
import { listPortGroups } from './device/discovery';
import type { Db } from './records/db';
import type { SecretStore } from './secrets';
import type { PkiService, StationServices } from './station';
import { orgService } from './salesforce/station-org';

export interface WiringOptions {
  home: string;
  secrets: SecretStore;
  /** Extra folders of device links to watch for hot-plug (the simulator's `<home>/sim/devices`). */
  watchDirs?: string[];
  /** Opens a URL in the system browser (PKCE login). */
  openUrl?: (url: string) => Promise<void>;
  /** Transports beyond serial and tcp: dev/ injects the `sim:` factory of the simulator it started. */
  transports?: TransportFactories;
}

/** The PKI port over the station CA. */
function pkiService(ca: StationCa): PkiService {
  return {
    parseCsr: (der) => pkiLib.parseCsrOnce(der),
    expectation: (uid, subject) =>
      pkiLib.csrExpectationFor({ ...ca.profile(), subject: { ...ca.profile().subject, ...subject } }, uid, [
        'ECDSA-P256',
        'RSA-2048',
        'RSA-3072',
      ]),
    checkCsrPolicy: (csr, expected) => pkiLib.checkCsrPolicy(csr, expected),
    createChallenge: () => pkiLib.createChallenge(),
    verifyProofOfPossession: (spki, challenge, signature, alg) =>
      pkiLib.verifyProofOfPossession(spki, challenge, signature, alg),
    findByKey: (fp) => ca.findByKey(fp),
    issue: (csr, o) =>
      ca.issue(csr, { deviceUid: o.deviceUid, reprovision: o.reprovision, profile: { subject: o.subject } }),
    revocation: (serial) => ca.revocation(serial),
    revoke: async (serial, reason, note) => {
      await ca.revoke({ serial }, { reason, actor: 'station', note });
    },
    verifyDeviceChain: (chain) => ca.verifyDeviceChain(chain),
    info: () => ca.info(),
  };
}

/** The real services for a station home. */
export function realServices(o: WiringOptions): StationServices {
  return {
    secrets: o.secrets,
    openDevice: (locator, opts) => openDeviceDriver(locator, opts, o.transports),
    // One bay per physical adapter: its data port (core/device/port-groups.ts).
    listPorts: async () => (await listPortGroups()).groups.map((g) => g.locator),
    watchDirs: o.watchDirs ?? [],
    pki: async (db: Db) => {
      const ca = await StationCa.load(o.home, o.secrets, { db });
      // the first job should not pay for compiling the PKI paths: run them once on throw-away material
      // (core/pki/warm-up.ts; nothing stored, the CA key unused); a failure only leaves them cold
      void pkiLib.warmUpPki().catch(() => undefined);
      return pkiService(ca);
    },
    org: (config) => orgService(config, o.secrets, o.openUrl, { settingsFile: settingsFileOf(o.home) }),
  };
}
