/**
 * The org-side asset-token check in the emulator: after each exchange it runs the same rules as the Apex
 * handler (shared/asset-token-rules.ts, salesforce/…/classes/AssetTokenRules.cls, docs/salesforce-setup.md
 * §6) on the AssetTokenEvent-like entry, quarantines the Assets involved (`Identity_Status__c`,
 * `Quarantine_Reason__c`, `Quarantined_At__c`) and records one `Asset_Identity_Alert__c` per mismatching
 * event (keyed `Alert_Key__c` = the event UUID), so station code is tested against the same behaviour.
 */
import crypto from 'node:crypto';
import {
  evaluateAssetTokenEvent,
  IDENTITY_STATUS,
  reasonCodes,
  type AssetTokenVerdict,
  type RegisteredAsset,
} from '../../shared/asset-token-rules';
import { newId, type TokenEvent } from './org-data';
import { sfDateTime } from './sf-format';
import { KEY_PREFIX } from './schema';
import type { OrgStore } from './store';

const sha256Hex = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Checks one logged exchange and applies the verdict to the store (the caller saves).
 * @returns the verdict (also kept on the event as `Verdict`, for tests and `GET /emulator/asset-token-events`).
 */
export function checkAssetTokenEvent(store: OrgStore, event: TokenEvent): AssetTokenVerdict {
  const candidates = store.list('Asset') as unknown as RegisteredAsset[];
  const verdict = evaluateAssetTokenEvent(event, candidates, { sha256Hex });
  event.Verdict = { ok: verdict.ok, reasonCodes: reasonCodes(verdict), quarantined: verdict.quarantine };
  if (verdict.ok) return verdict;
  const now = sfDateTime();
  const reason = verdict.reasons.map((r) => `${r.code}: ${r.detail}`).join('\n');
  for (const id of verdict.quarantine) {
    const rec = store.get('Asset', id);
    if (!rec) continue;
    // the org writes these fields itself (they are read-only to stations)
    Object.assign(rec, {
      Identity_Status__c: IDENTITY_STATUS.quarantined,
      Quarantine_Reason__c: reason.slice(0, 32768),
      Quarantined_At__c: now,
      LastModifiedDate: now,
    });
  }
  const alertId = newId(KEY_PREFIX.Asset_Identity_Alert__c);
  store.data.records.Asset_Identity_Alert__c[alertId] = {
    Id: alertId,
    CreatedDate: now,
    LastModifiedDate: now,
    Name: `Alert ${event.DeviceId || '(no device ID)'}`.slice(0, 80),
    Alert_Key__c: event.EventUuid,
    ...(verdict.primaryAssetId ? { Asset__c: verdict.primaryAssetId } : {}),
    Status__c: 'New',
    Reason_Codes__c: reasonCodes(verdict).slice(0, 255),
    Reason__c: reason,
    Device_Id__c: event.DeviceId,
    Key_Fingerprint__c: verdict.keyFingerprint,
    Event_Uuid__c: event.EventUuid,
    Connected_App_Id__c: event.ConnectedAppId,
    Token_User_Id__c: event.UserId,
    Token_Expiration__c: event.Expiration,
    Asset_Token_Name__c: event.Name,
    Quarantined_Asset_Ids__c: verdict.quarantine.join(','),
    Payload_Excerpt__c: event.ActorTokenPayload.slice(0, 32768),
  };
  return verdict;
}
