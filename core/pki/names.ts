/**
 * Subject Name reading and writing (RFC 5280 §4.1.2.4, X.520 DirectoryString). Values are decoded
 * exactly as sent (no Unicode normalisation, no trimming, no case folding) and the ASN.1 string type is
 * kept, so the policy can compare byte-for-byte and UTF8String subjects survive intact.
 */
import {
  DerError,
  TAG,
  children,
  decodeOid,
  expectTag,
  oid,
  readTlv,
  seq,
  set,
  tlv,
  utf8String,
} from './der';
import type { Tlv } from './der';
import { attrName, attrOid } from './oids';
import type { NameStringType } from './types';

/** One subject attribute as read from DER. */
export interface NameAttribute {
  type: string;
  value: string;
  stringType: NameStringType;
}

/**
 * PrintableString is A–Z a–z 0–9 and ` '()+,-./:=?` (X.680 §41.4), but real device firmware puts `_`,
 * `@` or `*` in it; any printable ASCII is accepted (the value is still compared exactly by the policy).
 */
const PRINTABLE = /^[\x20-\x7e]*$/;

function decodeString(t: Tlv): { value: string; stringType: NameStringType } {
  switch (t.tag) {
    case TAG.UTF8String:
      try {
        return { value: new TextDecoder('utf-8', { fatal: true }).decode(t.value), stringType: 'UTF8String' };
      } catch {
        throw new DerError('a subject UTF8String is not valid UTF-8');
      }
    case TAG.PrintableString: {
      const v = Buffer.from(t.value).toString('latin1');
      if (!PRINTABLE.test(v))
        throw new DerError('a subject PrintableString has non-printable or non-ASCII bytes');
      return { value: v, stringType: 'PrintableString' };
    }
    case TAG.IA5String: {
      if (t.value.some((b) => b > 0x7f)) throw new DerError('a subject IA5String has non-ASCII bytes');
      return { value: Buffer.from(t.value).toString('latin1'), stringType: 'IA5String' };
    }
    case TAG.TeletexString:
      return { value: Buffer.from(t.value).toString('latin1'), stringType: 'TeletexString' };
    case TAG.BMPString: {
      if (t.value.length % 2) throw new DerError('a subject BMPString has an odd length');
      const swapped = Buffer.from(t.value);
      swapped.swap16();
      return { value: swapped.toString('utf16le'), stringType: 'BMPString' };
    }
    case TAG.UniversalString: {
      if (t.value.length % 4) throw new DerError('a subject UniversalString has a bad length');
      let s = '';
      for (let i = 0; i < t.value.length; i += 4) {
        s += String.fromCodePoint(Buffer.from(t.value).readUInt32BE(i));
      }
      return { value: s, stringType: 'UniversalString' };
    }
    default:
      throw new DerError(`a subject attribute uses unsupported string tag 0x${t.tag.toString(16)}`);
  }
}

/** Reads a DER Name (SEQUENCE OF RelativeDistinguishedName) into ordered attributes. */
export function readName(name: Tlv): NameAttribute[] {
  expectTag(name, TAG.SEQUENCE, 'subject Name');
  const out: NameAttribute[] = [];
  for (const rdn of children(name)) {
    expectTag(rdn, TAG.SET, 'subject RDN');
    const atvs = children(rdn);
    if (atvs.length === 0) throw new DerError('an empty RDN in the subject');
    for (const atv of atvs) {
      expectTag(atv, TAG.SEQUENCE, 'subject AttributeTypeAndValue');
      const [type, value, extra] = children(atv);
      if (extra) throw new DerError('a subject AttributeTypeAndValue has extra fields');
      const oidText = decodeOid(expectTag(type, TAG.OID, 'attribute type').value);
      if (!value) throw new DerError('a subject attribute has no value');
      out.push({ type: attrName(oidText), ...decodeString(value) });
    }
  }
  return out;
}

/** Parses `der` as a Name (convenience for callers holding bytes). */
export function readNameDer(der: Uint8Array): NameAttribute[] {
  return readName(readTlv(der));
}

/**
 * Attributes encoded as PrintableString: countryName (`X520countryName ::= PrintableString (SIZE (2))`)
 * and serialNumber (`X520SerialNumber ::= PrintableString (SIZE (1..ub-serial-number))`), RFC 5280
 * Appendix A.1 / X.520 §6.2.9 and §6.3.1. Everything else is a DirectoryString, encoded as UTF8String
 * (RFC 5280 §4.1.2.6: "CAs MUST use the UTF8String encoding of DirectoryString").
 */
export const PRINTABLE_ATTRIBUTES: ReadonlySet<string> = new Set(['C', 'serialNumber']);

/** The strict PrintableString alphabet of X.680 §41.4 (what the station writes). */
const STRICT_PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * Why `value` cannot be written as attribute `type`, or undefined when it can: C must be two
 * letters A–Z (ISO 3166-1 alpha-2), serialNumber 1–64 characters of the PrintableString alphabet
 * (A–Z a–z 0–9 space ' ( ) + , - . / : = ?); other attributes must be non-empty.
 */
export function nameValueProblem(type: string, value: string): string | undefined {
  if (value.length === 0) return `${type} is empty`;
  if (type === 'C' && !/^[A-Z]{2}$/.test(value)) {
    return `C must be a two-letter ISO 3166 country code in capitals (such as DE or US), not ${JSON.stringify(value)}`;
  }
  if (type === 'serialNumber') {
    if (value.length > 64) return `serialNumber is ${value.length} characters; the limit is 64`;
    if (!STRICT_PRINTABLE.test(value)) {
      return `serialNumber ${JSON.stringify(value)} has characters a PrintableString cannot hold (allowed: A–Z a–z 0–9 space ' ( ) + , - . / : = ?)`;
    }
  }
  return undefined;
}

/**
 * Encodes a Name with one attribute per RDN, in the order given: C and serialNumber as
 * PrintableString, the rest as UTF8String ({@link PRINTABLE_ATTRIBUTES}).
 * @throws Error for an unknown attribute or a value {@link nameValueProblem} refuses (callers check
 *   templates first and turn problems into user errors).
 */
export function encodeName(attrs: ReadonlyArray<readonly [string, string]>): Uint8Array {
  return seq(
    ...attrs.map(([type, value]) => {
      const o = attrOid(type);
      if (!o) throw new Error(`unknown subject attribute ${type}`);
      const problem = nameValueProblem(type, value);
      if (problem) throw new Error(`cannot encode the subject: ${problem}`);
      const v = PRINTABLE_ATTRIBUTES.has(type)
        ? tlv(TAG.PrintableString, Buffer.from(value, 'latin1'))
        : utf8String(value);
      return set(seq(oid(o), v));
    }),
  );
}

/** RFC 4514-style one-line rendering, most specific last reversed (CN first), for logs and the index. */
export function nameToString(
  attrs: readonly NameAttribute[] | ReadonlyArray<{ type: string; value: string }>,
): string {
  return [...attrs]
    .reverse()
    .map((a) => `${a.type}=${a.value.replace(/([,+"\\<>;=])/g, '\\$1')}`)
    .join(', ');
}
