/**
 * Identity fields checked at identify, before keygen (issue 11, "late validation"): what a device says
 * in HELLO (or +CGSN…) is untrusted input that later becomes a certificate subject, an Asset external ID,
 * journal and audit text and a label. A UID, model or firmware string with control characters, Unicode
 * format characters (bidi overrides U+202A–U+202E, isolates U+2066–U+2069, zero-width U+200B–U+200F,
 * BOM: the "Trojan Source" class, CVE-2021-42574, https://trojansource.codes) or an over-long value is
 * refused here, and the refusal shows the value escaped, never raw.
 */
import type { DeviceIdentity } from '../../shared/domain';
import { StationError } from '../../shared/errors';

/** Longest UID: the Asset external ID `Device_UID__c` is Text(80) (docs/salesforce-wire.md §4.1). */
export const UID_MAX = 80;
/** Longest model / firmware string the station accepts, characters. */
export const TEXT_MAX = 64;

/** Control (Cc), format (Cf: bidi, zero-width, BOM), line/paragraph separators, unpaired surrogates. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * The value for a message: ASCII printable kept, everything else as `\u{…}`, at most 40 characters shown.
 * Never returns a control or bidi character.
 */
export function printable(value: string): string {
  const shown = [...value.slice(0, 40)]
    .map((ch) => (/^[\x20-\x7e]$/.test(ch) ? ch : `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`))
    .join('');
  return value.length > 40 ? `${shown}… (${value.length} characters)` : shown;
}

/**
 * Checks the identity fields a device reported.
 * - UID: 1–{@link UID_MAX} printable ASCII characters, no space, `/` or `\`, not `.` or `..` (the
 *   station's external-ID rules, core/salesforce/assets.ts validateExternalId);
 * - model, firmware: 1–{@link TEXT_MAX} characters, none of them control or format characters.
 * @throws StationError DEVICE_IDENTITY_INVALID naming the field and the rule, with the value escaped
 */
export function checkIdentityFields(id: Pick<DeviceIdentity, 'uid' | 'model' | 'firmware'>): void {
  const refuse = (field: string, value: string, rule: string): never => {
    throw new StationError(
      'DEVICE_IDENTITY_INVALID',
      `The device reports a ${field} the station cannot accept: '${printable(value)}' ${rule}. Nothing was done with the device.`,
      'Set this device aside and report it to the firmware team: its identity must be plain text. Do not provision it by hand.',
      { field, rule },
    );
  };
  const uid = String(id.uid ?? '');
  if (uid.length === 0 || uid.length > UID_MAX)
    refuse('hardware UID', uid, `must be 1-${UID_MAX} characters`);
  if (HIDDEN.test(uid)) refuse('hardware UID', uid, 'contains control or invisible (bidi) characters');
  if (!/^[\x21-\x7e]+$/.test(uid) || /[/\\]/.test(uid) || uid === '.' || uid === '..')
    refuse('hardware UID', uid, "must be printable ASCII without spaces, '/' or '\\'");
  for (const [field, raw] of [
    ['model', id.model],
    ['firmware version', id.firmware],
  ] as const) {
    const value = String(raw ?? '');
    if (value.length === 0 || value.length > TEXT_MAX)
      refuse(field, value, `must be 1-${TEXT_MAX} characters`);
    if (HIDDEN.test(value)) refuse(field, value, 'contains control or invisible (bidi) characters');
  }
}
