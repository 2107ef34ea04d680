/** Fixtures of the Salesforce unit tests: SHA-256 hex and the facts of a provisioned device. */
import crypto from 'node:crypto';
import type { AssetFacts } from '../../../core/salesforce';

/** SHA-256 of `s`, lowercase hex. */
export const hex = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** Facts of device `uid` (model M1, station st-1, firmware 2.0). */
export const facts = (uid: string): AssetFacts => ({
  deviceUid: uid,
  model: 'M1',
  certSerial: 'ab12',
  certFingerprint: hex('c'),
  keyFingerprint: hex('k'),
  notAfter: '2030-01-01T00:00:00Z',
  stationId: 'st-1',
  provisionedAt: '2026-11-29T10:00:00Z',
  firmware: '2.0',
});
