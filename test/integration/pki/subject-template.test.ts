/**
 * The station settings' subject template beyond CN/O/OU: C, ST, L, O, OU, CN and serialNumber flow from
 * the station config (`device.subject`) through the saga's `deviceSubject` and the real PKI port
 * (core/wiring.ts) into the CSR expectation and the issued certificate. A CSR carrying `C=` — made the
 * way the simulated device makes it — is issued, with C and serialNumber as PrintableString and the
 * rest UTF8String (`openssl asn1parse`); a template the certificate cannot encode is refused before a
 * device is asked for anything, and a CSR that leaves out the template's C is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceIdentity, StationConfig } from '../../../shared/domain';
import { defaultConfig } from '../../../core/config';
import { deviceSubject } from '../../../core/jobs/steps/certificate';
import { StationCa } from '../../../core/pki';
import { openStationDb } from '../../../core/records/db';
import { realServices } from '../../../core/wiring';
import { buildCsr, generateDeviceKey } from '../../../sim/device/crypto';
import { memoryStore, tempDirs } from './helpers';
import { nameStringTypes, opensslVerifyChain, pemFile } from './openssl';

const tmp = tempDirs('pki-subject-');

const identity = (uid: string): DeviceIdentity =>
  ({ uid, model: 'AS-SIM-1', firmware: '1.0.0' }) as unknown as DeviceIdentity;

function configWith(subject: StationConfig['device']['subject']): StationConfig {
  const c = defaultConfig();
  return { ...c, device: { ...c.device, subject } };
}

const FULL = {
  C: 'DE',
  ST: 'Bayern',
  L: 'München',
  O: 'Acme {model}',
  OU: 'Sensors',
  CN: '{uid}',
  serialNumber: '{uid}',
};

describe('device subject template from the station settings', () => {
  it('fills every attribute the template sets ({uid}, {model}) and leaves the unset ones out', () => {
    expect(deviceSubject(configWith(FULL), identity('SN-0042'))).toEqual({
      C: 'DE',
      ST: 'Bayern',
      L: 'München',
      O: 'Acme AS-SIM-1',
      OU: 'Sensors',
      CN: 'SN-0042',
      serialNumber: 'SN-0042',
    });
    expect(deviceSubject(configWith({ CN: 'dev-{uid}', C: '', O: 'Acme' }), identity('X1'))).toEqual({
      CN: 'dev-X1',
      O: 'Acme',
    });
  });

  it('issues a CSR carrying C= through the PKI port: C and serialNumber PrintableString, the rest UTF8String', async () => {
    const home = tmp();
    const secrets = memoryStore();
    const db = openStationDb(home);
    try {
      (await StationCa.init(home, secrets, { env: {}, db })).close();
      const pki = await realServices({ home, secrets }).pki(db);
      const uid = 'SN-0042';
      const subject = deviceSubject(configWith(FULL), identity(uid));
      const want = pki.expectation(uid, subject);
      expect(want.subject).toEqual({
        C: 'DE',
        ST: 'Bayern',
        L: 'München',
        O: 'Acme AS-SIM-1',
        OU: 'Sensors',
        CN: uid,
        serialNumber: uid,
      });
      // The device builds its CSR from the expectation, as the simulator does on a CSR request.
      const key = await generateDeviceKey('ECDSA-P256');
      const csrDer = await buildCsr(
        key,
        Object.entries(want.subject),
        want.sans.map((s) => ({ type: 'URI' as const, value: s.replace(/^uri:/, '') })),
      );
      const csr = await pki.parseCsr(csrDer);
      expect(csr.subject.find((a) => a.type === 'C')?.value).toBe('DE');
      pki.checkCsrPolicy(csr, want);
      const cert = await pki.issue(csr, { deviceUid: uid, reprovision: false, subject });
      const work = tmp();
      const leafPath = pemFile(work, 'leaf.pem', cert.chain[0]!);
      expect(Object.fromEntries(nameStringTypes(leafPath).slice(-7))).toEqual({
        countryName: 'PRINTABLESTRING',
        stateOrProvinceName: 'UTF8STRING',
        localityName: 'UTF8STRING',
        organizationName: 'UTF8STRING',
        organizationalUnitName: 'UTF8STRING',
        commonName: 'UTF8STRING',
        serialNumber: 'PRINTABLESTRING',
      });
      expect(opensslVerifyChain(work, cert.chain)).toMatchObject({ ok: true });

      // A CSR without the template's C is refused by the policy (nothing issued for it).
      const noC = Object.entries(want.subject).filter(([k]) => k !== 'C');
      const other = await pki.parseCsr(
        await buildCsr(await generateDeviceKey('ECDSA-P256'), noC, [
          { type: 'URI', value: `urn:dev:uid:${uid}` },
        ]),
      );
      expect(() => pki.checkCsrPolicy(other, want)).toThrow(/C/);
    } finally {
      db.close();
    }
  });

  it('refuses a template the certificate cannot encode (C not two capitals) before the device is asked', async () => {
    const home = tmp();
    const secrets = memoryStore();
    const db = openStationDb(home);
    try {
      (await StationCa.init(home, secrets, { env: {}, db })).close();
      const pki = await realServices({ home, secrets }).pki(db);
      const subject = deviceSubject(configWith({ ...FULL, C: 'Germany' }), identity('SN-1'));
      expect(() => pki.expectation('SN-1', subject)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', remedy: expect.stringMatching(/subject/) }),
      );
      expect(fs.existsSync(path.join(home, 'ca', 'ca.json'))).toBe(true);
    } finally {
      db.close();
    }
  });
});
