/**
 * X.509 v2 CRLs (RFC 5280 §5): the TBSCertList is encoded here (der.ts) and signed by the station's
 * {@link CaSigner} — the file key or the HSM — exactly like certificates (profile.ts).
 *
 * Profile: version v2; signature as the CA's certificates; issuer = the issuing CA's subject Name;
 * thisUpdate / nextUpdate (UTCTime through 2049, §5.1.2.4–5); one entry per revoked certificate with its
 * revocationDate and, unless the reason is `unspecified`, a reasonCode entry extension (§5.3.1: "the
 * reason code CRL entry extension SHOULD be absent instead of using the unspecified (0) reasonCode
 * value"); CRL extensions authorityKeyIdentifier (§5.2.1, MUST) and cRLNumber (§5.2.3, MUST).
 */
import {
  bitString,
  enumerated,
  explicit,
  octetString,
  oid,
  seq,
  smallInteger,
  time,
  unsignedInteger,
} from './der';
import { keyIdentifier, signatureAlgorithmIdentifier } from './profile';
import { REASON_CODES } from './revocation';
import type { CaSigner, RevocationReason } from './types';
import { x509 } from './x509-lib';

const OID_CRL_NUMBER = '2.5.29.20';
const OID_REASON_CODE = '2.5.29.21';

/** One CRL entry. */
export interface CrlEntry {
  /** Serial number, hex (canonical form). */
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** Everything needed to build and sign a CRL. */
export interface CrlTemplate {
  /** DER Name of the issuing CA (its certificate's subject). */
  issuerDer: Uint8Array;
  /** DER SPKI of the issuing CA key (for the authorityKeyIdentifier). */
  issuerSpki: Uint8Array;
  /** CRL number, ≥ 1, increasing with each CRL. */
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntry[];
}

const extension = (id: string, value: Uint8Array) => seq(oid(id), octetString(value));

/** Encodes the TBSCertList (RFC 5280 §5.1.2) the signer signs. */
export function encodeTbsCertList(t: CrlTemplate, sigAlg: CaSigner['signatureAlgorithm']): Uint8Array {
  const revoked = t.entries.map((e) => {
    const serial = Buffer.from(e.serial.length % 2 ? `0${e.serial}` : e.serial, 'hex');
    const fields = [unsignedInteger(new Uint8Array(serial)), time(e.revokedAt)];
    if (e.reason !== 'unspecified') {
      fields.push(seq(extension(OID_REASON_CODE, enumerated(REASON_CODES[e.reason]))));
    }
    return seq(...fields);
  });
  const aki = new x509.AuthorityKeyIdentifierExtension(
    Buffer.from(keyIdentifier(t.issuerSpki)).toString('hex'),
    false,
  );
  return seq(
    smallInteger(1), // v2
    signatureAlgorithmIdentifier(sigAlg),
    t.issuerDer,
    time(t.thisUpdate),
    time(t.nextUpdate),
    ...(revoked.length ? [seq(...revoked)] : []), // absent when empty (§5.1.2.6)
    explicit(0, seq(new Uint8Array(aki.rawData), extension(OID_CRL_NUMBER, smallInteger(t.number)))),
  );
}

/** Builds the TBSCertList, has `signer` sign it and returns the CRL DER. */
export async function signCrl(t: CrlTemplate, signer: CaSigner): Promise<Uint8Array> {
  const tbs = encodeTbsCertList(t, signer.signatureAlgorithm);
  const sig = await signer.sign(tbs);
  return seq(tbs, signatureAlgorithmIdentifier(signer.signatureAlgorithm), bitString(sig));
}
