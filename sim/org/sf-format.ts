/**
 * How Salesforce writes two kinds of value on the wire, for the emulator to write them the same way
 * (docs/salesforce-wire.md §8.2):
 * - record IDs: 15 case-sensitive characters plus a 3-character case-safe suffix (18 in all), the suffix
 *   encoding which of the 15 are upper-case letters, so that an 18-character ID survives a case-insensitive
 *   system (https://help.salesforce.com/s/articleView?id=000385008&type=1, the algorithm as in
 *   https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm#i1435616);
 * - datetimes: `yyyy-MM-ddTHH:mm:ss.SSS+0000` in UTC, e.g. `2026-12-02T07:47:21.000+0000`
 *   (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm).
 */
import crypto from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** The suffix alphabet: 0..31 → A..Z then 0..5. */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * The 3-character case-safe suffix of a 15-character ID: for each block of 5 characters, a 5-bit number
 * whose bit i is set when character i of the block is an upper-case A–Z, written with {@link SUFFIX}.
 * @throws Error when `id15` is not 15 characters long
 */
export function caseSafeSuffix(id15: string): string {
  if (id15.length !== 15) throw new Error(`an ID before its suffix has 15 characters, not ${id15.length}`);
  let out = '';
  for (let block = 0; block < 3; block++) {
    let n = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) n |= 1 << i;
    }
    out += SUFFIX[n];
  }
  return out;
}

/** The 18-character form of a 15-character ID. @throws Error when `id15` is not 15 characters long */
export function toId18(id15: string): string {
  return id15 + caseSafeSuffix(id15);
}

/** A fresh 18-character ID with a key prefix (3 characters) and 12 random base-62 characters. */
export function newId(prefix: string): string {
  let s = prefix;
  for (const b of crypto.randomBytes(15 - prefix.length)) s += BASE62[b % BASE62.length];
  return toId18(s);
}

/**
 * The ID as the org stores it, or undefined when `id` is not an ID: a 15-character ID as is; an
 * 18-character one in any letter case, its first 15 characters put back in their case from the suffix
 * (what makes the 18-character form case-insensitive).
 */
export function canonicalId(id: string): string | undefined {
  if (/^[A-Za-z0-9]{15}$/.test(id)) return id;
  if (!/^[A-Za-z0-9]{15}[A-Za-z0-5]{3}$/.test(id)) return undefined;
  const suffix = id.slice(15).toUpperCase();
  let first = '';
  for (let block = 0; block < 3; block++) {
    const n = SUFFIX.indexOf(suffix[block]!);
    for (let i = 0; i < 5; i++) {
      const c = id[block * 5 + i]!;
      first += n & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return first + suffix;
}

/**
 * A datetime as Salesforce writes it: UTC, milliseconds, `+0000` (never `Z`).
 * @param at a Date, epoch ms, or any string `Date.parse` reads
 * @throws RangeError when `at` is not a date
 */
export function sfDateTime(at: Date | number | string = new Date()): string {
  const d = at instanceof Date ? at : new Date(typeof at === 'string' ? Date.parse(at) : at);
  return d.toISOString().replace(/Z$/, '+0000');
}
