/**
 * Length limits of the Asset text fields the station writes, checked before any call to the org: a value
 * that does not fit is refused with the field, the limit and the value, never cut
 * (docs/salesforce-wire.md §4.1). Lengths are counted as Salesforce counts them: in UTF-16 code units, so a
 * character outside the Basic Multilingual Plane (an emoji, a rare CJK ideograph) counts as 2 — JavaScript's
 * `String.length` — as the help article "Surrogate Pair Characters Are Treated as Two Characters"
 * (https://help.salesforce.com/s/articleView?id=005166849&type=1) says of formulas and the String class [S];
 * that field-length validation counts the same way is our inference [I].
 */
import { StationError } from '../../shared/errors';

/** Field → its maximum length in UTF-16 code units: the standard fields (Asset object reference,
 * docs/salesforce-wire.md §4.1) and the custom fields of salesforce/force-app (…/objects/Asset/fields). */
export const ASSET_FIELD_LIMITS = {
  Name: 255,
  SerialNumber: 80,
  Cert_Serial__c: 64,
  Firmware_Version__c: 64,
  Station_Id__c: 64,
  Provisioned_By__c: 128,
} as const;

/** What a limit check names for the user: the Asset field, where its value comes from, and how to fix it. */
export interface LimitedValue {
  /** Asset field API name. */
  field: string;
  /** Maximum length, UTF-16 code units. */
  limit: number;
  value: string;
  /** In the user's words: what this value is (e.g. "the Asset name built from the name template"). */
  what: string;
  /** What the user can change. */
  remedy: string;
}

/** A value's length as Salesforce counts it (UTF-16 code units). */
export function sfLength(value: string): number {
  return value.length;
}

/**
 * Refuses the first value longer than its limit.
 * @throws StationError BAD_REQUEST with details `{field, limit, length, value}`
 */
export function checkLimits(values: LimitedValue[]): void {
  for (const v of values) {
    const length = sfLength(v.value);
    if (length <= v.limit) continue;
    const counted = [...v.value].length !== length ? ' (some characters, such as emoji, count as 2)' : '';
    throw new StationError(
      'BAD_REQUEST',
      `${v.what[0]!.toUpperCase()}${v.what.slice(1)} is ${length} characters long${counted}, but the Asset field ${v.field} holds at most ${v.limit}: '${v.value}'. Nothing was sent to Salesforce.`,
      v.remedy,
      { field: v.field, limit: v.limit, length, value: v.value },
    );
  }
}
