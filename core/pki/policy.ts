/**
 * CSR policy: what the station accepts before it signs anything. Strict defaults: EC P-256/P-384,
 * RSA 2048–8192 and Ed25519 keys; SHA-256/384/512 (or Ed25519) signatures — SHA-1 and MD5 are refused
 * (NIST SP 800-131A Rev. 2 §3); the subject and SANs must be exactly what the station asked the device
 * for (no normalisation: a UTF8String value must match code point for code point).
 */
import { StationError } from '../../shared/errors';
import { attrOid } from './oids';
import type { CsrExpectation, CsrPolicy, VerifiedCsr } from './types';

/** The strict default policy. */
export const DEFAULT_CSR_POLICY: Readonly<CsrPolicy> = Object.freeze<CsrPolicy>({
  allowedAlgorithms: ['ECDSA-P256', 'ECDSA-P384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519'],
  minRsaBits: 2048,
  maxRsaBits: 8192,
  allowedSignatureHashes: ['SHA-256', 'SHA-384', 'SHA-512'],
  allowedQuirks: ['ecdsa-params-null'],
  sanMatch: 'exact',
});

const refuse = (message: string, remedy: string, details?: Record<string, unknown>) =>
  new StationError('CSR_POLICY', message, remedy, details);

const show = (v: string) => JSON.stringify(v);

/**
 * Checks a verified CSR against the station policy and the per-request expectation.
 * @param policy partial overrides of {@link DEFAULT_CSR_POLICY}.
 * @throws StationError CSR_POLICY naming the first rule broken (key type/size, signature hash, quirk,
 *   subject attribute missing/extra/different, SAN missing/extra).
 */
export function checkCsrPolicy(
  csr: VerifiedCsr,
  expected: CsrExpectation,
  policy?: Partial<CsrPolicy>,
): void {
  const p: CsrPolicy = { ...DEFAULT_CSR_POLICY, ...policy };

  // Key type and size.
  const rsaBits = /^RSA-(\d+)$/.exec(csr.keyAlgorithm);
  if (rsaBits) {
    const bits = Number(rsaBits[1]);
    if (bits < p.minRsaBits) {
      throw refuse(
        `The CSR key is RSA-${bits}; the station refuses RSA keys under ${p.minRsaBits} bits.`,
        'Configure the device to generate an RSA-2048 (or larger) or a P-256 key.',
      );
    }
    if (bits > p.maxRsaBits) {
      throw refuse(
        `The CSR key is RSA-${bits}, over the ${p.maxRsaBits}-bit limit.`,
        'Use RSA-2048/3072 or P-256.',
      );
    }
  }
  if (
    !p.allowedAlgorithms.includes(csr.keyAlgorithm) ||
    !expected.allowedAlgorithms.includes(csr.keyAlgorithm)
  ) {
    const allowed = p.allowedAlgorithms.filter((a) => expected.allowedAlgorithms.includes(a));
    throw refuse(
      `The CSR key is ${csr.keyAlgorithm}; this request allows ${allowed.join(', ') || 'no key type'}.`,
      'Configure the device key algorithm to one the station allows (station settings: device key algorithm).',
    );
  }

  // Signature hash.
  const hash = csr.signatureHash;
  if (hash !== null && hash !== undefined && !p.allowedSignatureHashes.includes(hash)) {
    throw refuse(
      `The CSR is signed with ${csr.signatureAlgorithm ?? hash}; ${hash} signatures are refused.`,
      'Update the device firmware to sign CSRs with SHA-256.',
    );
  }
  for (const q of csr.quirks ?? []) {
    if (!p.allowedQuirks.includes(q)) {
      throw refuse(
        `The CSR has the device quirk '${q}', which this station's policy does not accept.`,
        'Allow the quirk in the CSR policy or update the device firmware.',
      );
    }
  }

  // Subject: exactly the expected attributes, each once, values identical.
  const seen = new Map<string, string>();
  for (const a of csr.subject) {
    const key = attrOid(a.type) ?? a.type;
    if (seen.has(key)) {
      throw refuse(
        `The CSR subject has ${a.type} more than once.`,
        'Have the device request exactly the subject the station sent.',
      );
    }
    seen.set(key, a.value);
  }
  const wanted = new Map(
    Object.entries(expected.subject).map(([k, v]) => [attrOid(k) ?? k, { name: k, value: v }]),
  );
  for (const [key, { name, value }] of wanted) {
    const got = seen.get(key);
    if (got === undefined) {
      throw refuse(
        `The CSR subject lacks ${name} (expected ${show(value)}).`,
        'Have the device request exactly the subject the station sent.',
      );
    }
    if (got !== value) {
      throw refuse(
        `The CSR subject ${name} is ${show(got)}; the station asked for ${show(value)}.`,
        'Have the device request exactly the subject the station sent (values are compared exactly, no normalisation).',
        { attribute: name, expected: value, actual: got },
      );
    }
  }
  for (const a of csr.subject) {
    if (!wanted.has(attrOid(a.type) ?? a.type)) {
      throw refuse(
        `The CSR subject has ${a.type}=${show(a.value)}, which the station did not ask for.`,
        'Have the device request exactly the subject the station sent.',
      );
    }
  }

  // SANs: the same multiset.
  if (csr.sans.length === 0 && p.sanMatch === 'absent-or-exact') return;
  const rest = [...csr.sans];
  for (const s of expected.sans) {
    const i = rest.indexOf(s);
    if (i === -1) {
      throw refuse(
        `The CSR lacks the subjectAltName ${s}.`,
        'Have the device request exactly the SANs the station sent.',
      );
    }
    rest.splice(i, 1);
  }
  if (rest.length > 0) {
    throw refuse(
      `The CSR requests the subjectAltName ${rest.join(', ')}, which the station did not ask for.`,
      'Have the device request exactly the SANs the station sent.',
    );
  }
}
