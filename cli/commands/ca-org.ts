/**
 * The org side of `ca revoke` and `ca org-sync`: the Salesforce client adapted to the PKI's
 * {@link OrgFlagPort} (find the device's Asset by external ID, PATCH its Certificate_Status__c,
 * docs/salesforce-wire.md §4.2), and the flush of pending flags with words for the operator.
 */
import { loadConfig, settingsFileOf } from '../../core/config';
import {
  CERTIFICATE_STATUS_FIELD,
  flushOrgFlags,
  pendingFlagsError,
  pendingOrgFlags,
  type OrgFlagOutcome,
  type OrgFlagPort,
} from '../../core/pki';
import type { Db } from '../../core/records/db';
import { OrgClient } from '../../core/salesforce';
import type { SecretStore } from '../../core/secrets';
import { toErrorShape, type StationErrorShape } from '../../shared/errors';

/** The station's org as an {@link OrgFlagPort} (JWT bearer or the stored session of `org login`). */
async function orgFlagPort(home: string, secrets: SecretStore): Promise<OrgFlagPort> {
  const client = await OrgClient.fromSecrets(loadConfig(home).salesforce, secrets, {
    settingsFile: settingsFileOf(home),
  });
  return {
    async findAsset(uid) {
      const a = await client.findAssetByUid(uid);
      return a ? { id: a.id, ...(a.certSerial ? { certSerial: a.certSerial } : {}) } : undefined;
    },
    async setCertificateStatus(id, status) {
      await client.rest.call(
        {
          method: 'PATCH',
          url: `/sobjects/Asset/${encodeURIComponent(id)}`,
          body: JSON.stringify({ [CERTIFICATE_STATUS_FIELD]: status }),
          headers: { 'content-type': 'application/json' },
        },
        `flag the Asset ${id} as having a revoked certificate`,
      );
    },
  };
}

/** What a flush did, for `--json` and for the words printed. */
export interface OrgSyncReport {
  done: OrgFlagOutcome[];
  pending: number;
  /** Why flags are still pending (the org could not be reached or refused), with what to do. */
  error?: StationErrorShape;
}

/**
 * Sends every pending revocation flag to the org. Never throws: an org that cannot be reached leaves
 * the flags pending and the report says so.
 */
export async function syncOrgFlags(home: string, db: Db, secrets: SecretStore): Promise<OrgSyncReport> {
  let port: OrgFlagPort;
  try {
    port = await orgFlagPort(home, secrets);
  } catch (e) {
    const cause = toErrorShape(e);
    const pending = pendingOrgFlags(db).length;
    return { done: [], pending, ...(pending ? { error: pendingFlagsError(pending, cause).toShape() } : {}) };
  }
  const r = await flushOrgFlags(db, port);
  return {
    done: r.done,
    pending: r.pending,
    ...(r.error ? { error: pendingFlagsError(r.pending, r.error).toShape() } : {}),
  };
}

/** Lines for the operator: one per flag sent, then what is still pending and why. */
export function orgSyncLines(r: OrgSyncReport): string[] {
  const words: Record<OrgFlagOutcome['outcome'], string> = {
    flagged: 'Asset flagged Certificate_Status__c = Revoked',
    'no-asset': 'no Asset in Salesforce for this device: nothing to flag',
    'newer-certificate': 'the Asset names a newer certificate: left as it is',
  };
  return [
    ...r.done.map(
      (d) =>
        `org: serial ${d.serial} (${d.deviceUid}): ${words[d.outcome]}${d.assetId ? ` (${d.assetId})` : ''}`,
    ),
    ...(r.error ? [`org: ${r.error.message}`, `     ${r.error.remedy}`] : []),
  ];
}
