/**
 * The decisions of the org flag for revoked certificates (core/pki/org-flags.ts) against a real station
 * CA and database, with the org's answers scripted: which Asset is flagged, which is left alone
 * (it names a newer certificate, or there is none), that an org failure stops the flush and leaves
 * the rest pending, and that nothing is sent twice. The HTTP path to the org emulator is covered by
 * hsm-saga.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationError } from '../../../shared/errors';
import {
  CERTIFICATE_STATUS_REVOKED,
  StationCa,
  flushOrgFlags,
  parseCsr,
  pendingOrgFlags,
  type OrgFlagPort,
} from '../../../core/pki';
import { openStationDb, type Db } from '../../../core/records/db';
import { buildCsr, genKey } from '../../unit/pki/csr-builder';
import { memoryStore, tempDirs } from './helpers';

const tmp = tempDirs('pki-org-flags-');

/** An org whose Assets are `assets` (UID → Id and serial); records every status it is asked to set. */
function scriptedOrg(assets: Record<string, { id: string; certSerial?: string }>) {
  const set: Array<[string, string]> = [];
  let failNext = 0;
  const port: OrgFlagPort = {
    findAsset: async (uid) => {
      if (failNext > 0) {
        failNext--;
        throw new StationError('ORG_UNAVAILABLE', 'Salesforce did not answer.', 'Retry later.');
      }
      return assets[uid];
    },
    setCertificateStatus: async (id, status) => void set.push([id, status]),
  };
  return { port, set, failOnce: () => (failNext = 1) };
}

describe('org flags of revoked certificates', () => {
  let home: string;
  let db: Db;
  let ca: StationCa;
  const serials: Record<string, string> = {};

  beforeAll(async () => {
    home = tmp();
    db = openStationDb(home);
    ca = await StationCa.init(home, memoryStore(), { env: {}, db });
    for (const uid of ['DEV-A', 'DEV-B', 'DEV-C']) {
      const csr = await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', uid]] }));
      serials[uid] = (await ca.issue(csr, { deviceUid: uid })).serial;
    }
    // DEV-B was re-provisioned: its Asset names the newer certificate.
    const again = await parseCsr(buildCsr({ keys: genKey('p256'), subject: [['CN', 'DEV-B']] }));
    serials['DEV-B-new'] = (await ca.issue(again, { deviceUid: 'DEV-B', reprovision: true })).serial;
  });
  afterAll(() => {
    ca.close();
    db.close();
  });

  it('nothing is pending before anything is revoked, even on a database without revocations', () => {
    expect(pendingOrgFlags(db)).toEqual([]);
    const fresh = openStationDb(tmp());
    try {
      expect(pendingOrgFlags(fresh)).toEqual([]);
    } finally {
      fresh.close();
    }
  });

  it('flags the Asset naming the revoked certificate, leaves one naming a newer certificate and a missing one alone', async () => {
    await ca.revoke({ serial: serials['DEV-A']! }, { reason: 'keyCompromise' });
    await ca.revoke({ serial: serials['DEV-B']! }, { reason: 'superseded' });
    await ca.revoke({ serial: serials['DEV-C']! }, { reason: 'cessationOfOperation' });
    expect(
      pendingOrgFlags(db)
        .map((p) => p.deviceUid)
        .sort(),
    ).toEqual(['DEV-A', 'DEV-B', 'DEV-C']);
    const org = scriptedOrg({
      'DEV-A': { id: '02iA', certSerial: serials['DEV-A']!.toUpperCase() }, // serial case does not matter
      'DEV-B': { id: '02iB', certSerial: serials['DEV-B-new']! },
    });
    org.failOnce();
    // The org fails at the first look-up: nothing recorded, all still pending, the error returned.
    const first = await flushOrgFlags(db, org.port);
    expect(first).toMatchObject({ done: [], pending: 3, error: { code: 'ORG_UNAVAILABLE' } });
    expect(org.set).toEqual([]);
    // Reachable again: each revocation gets its outcome, only DEV-A's Asset is written.
    const second = await flushOrgFlags(db, org.port);
    expect(second.pending).toBe(0);
    expect(second.error).toBeUndefined();
    const byUid = Object.fromEntries(second.done.map((d) => [d.deviceUid, d]));
    expect(byUid['DEV-A']).toMatchObject({ outcome: 'flagged', assetId: '02iA', serial: serials['DEV-A'] });
    expect(byUid['DEV-B']).toMatchObject({ outcome: 'newer-certificate', assetId: '02iB' });
    expect(byUid['DEV-C']).toMatchObject({ outcome: 'no-asset' });
    expect(org.set).toEqual([['02iA', CERTIFICATE_STATUS_REVOKED]]);
    // Sent once.
    expect(pendingOrgFlags(db)).toEqual([]);
    expect(await flushOrgFlags(db, org.port)).toEqual({ done: [], pending: 0 });
    expect(org.set).toHaveLength(1);
  });
});
