/**
 * Whether the org itself enforces the device identity invariants (issue 18; salesforce/…/objects/Asset):
 * `Key_Fingerprint__c` unique (a key registered under another UID → DUPLICATE_VALUE) and the checkbox
 * `Key_Change_Approved__c` that the validation rule `Key_Change_Needs_Reprovision` reads (an existing
 * Asset's key changes only when approved → FIELD_CUSTOM_VALIDATION_EXCEPTION). Read once per session from
 * the Asset describe (`GET /sobjects/Asset/describe`, the field's `unique` property:
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
 * When the org enforces them the clone check rides in the upsert; when it does not (the package deployed
 * before issue 18), the station keeps its SOQL clone check before the upsert and pre-flight says once to
 * deploy the updated package (docs/salesforce-setup.md §1).
 */
import { StationError } from '../../shared/errors';
import { KEY_CHANGE_APPROVED_FIELD, type AssetFieldMap } from './assets';
import type { RestApi } from './rest';

/** What the org enforces about device identities. */
export interface OrgIdentityRules {
  /** True: Key_Fingerprint__c is unique and Key_Change_Approved__c exists (the updated package is deployed). */
  enforced: boolean;
  /** When not enforced: what is missing, in the admin's words. */
  missing?: string;
}

interface DescribeField {
  name?: unknown;
  unique?: unknown;
  type?: unknown;
}

/**
 * The org's identity rules as its Asset describe shows them.
 * @throws StationError ORG_UNAVAILABLE for an answer without `fields`; the call's errors (rest.ts)
 */
export async function readIdentityRules(api: RestApi, map: AssetFieldMap): Promise<OrgIdentityRules> {
  const doing = 'read how Salesforce describes the Asset object';
  const d = await api.call<{ fields?: unknown } | undefined>(
    { method: 'GET', url: '/sobjects/Asset/describe' },
    doing,
  );
  if (!d || !Array.isArray(d.fields)) {
    throw new StationError(
      'ORG_UNAVAILABLE',
      `Salesforce answered the request to ${doing} without its list of fields.`,
      'Retry; if it persists, check for a proxy between the station and Salesforce.',
    );
  }
  return identityRulesOf(d.fields as DescribeField[], map);
}

/** The rules from a describe's `fields` (pure; see {@link readIdentityRules}). */
export function identityRulesOf(fields: DescribeField[], map: AssetFieldMap): OrgIdentityRules {
  const find = (n: string) =>
    fields.find((f) => typeof f?.name === 'string' && f.name.toLowerCase() === n.toLowerCase());
  const key = find(map.keyFingerprint);
  const approved = find(KEY_CHANGE_APPROVED_FIELD);
  const missing: string[] = [];
  if (key?.unique !== true) missing.push(`${map.keyFingerprint} is not unique`);
  if (!approved || approved.type !== 'boolean')
    missing.push(`the checkbox ${KEY_CHANGE_APPROVED_FIELD} is missing`);
  return missing.length ? { enforced: false, missing: missing.join(' and ') } : { enforced: true };
}

/**
 * The pre-flight warning for an org that does not enforce the rules (said once per session).
 * @param missing {@link OrgIdentityRules.missing}
 */
export function notEnforcedWarning(missing: string): { message: string; remedy: string } {
  return {
    message: `This Salesforce org runs an older Asset Station package (${missing}), so the station checks for cloned devices with an extra query before each Asset — two stations registering a device and its clone at the same moment could both pass it.`,
    remedy:
      'Ask the Salesforce admin to deploy the updated Asset Station package (salesforce/ in the station release: the unique Key Fingerprint field, the Key Change Approved checkbox and its validation rule; docs/salesforce-setup.md section 1). Provisioning carries on meanwhile.',
  };
}
