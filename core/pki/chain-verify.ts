/**
 * Device chain verification for QA verify: the leaf chains to this station's issuing CA (and root), is
 * within its validity period, is an end-entity certificate, and carries EKU clientAuth (RFC 5280 §6.1
 * path validation, reduced to the fixed two-level chain the station issues). node:crypto X509Certificate.
 */
import crypto from 'node:crypto';
import { OID } from './oids';

/** Outcome of {@link verifyChainAgainst}: `detail` says what passed, or the first check that failed. */
export interface ChainVerdict {
  ok: boolean;
  detail: string;
}

const fp = (c: crypto.X509Certificate) => c.fingerprint256;
const cn = (c: crypto.X509Certificate) =>
  /CN=([^\n]*)/.exec(c.subject)?.[1] ?? c.subject.replace(/\n/g, ', ');

/**
 * Verifies a device chain (leaf first; optional intermediates) against the trusted CA chain
 * (issuing CA first, root last).
 * @param at the time to check validity at (default now).
 */
export function verifyChainAgainst(
  chain: Uint8Array[],
  trusted: Uint8Array[],
  at: Date = new Date(),
): ChainVerdict {
  const fail = (detail: string): ChainVerdict => ({ ok: false, detail });
  if (chain.length === 0) return fail('the device presented no certificate');
  let certs: crypto.X509Certificate[];
  try {
    certs = chain.map((d) => new crypto.X509Certificate(Buffer.from(d)));
  } catch (e) {
    return fail(`a certificate from the device is unreadable: ${(e as Error).message}`);
  }
  const ca = trusted.map((d) => new crypto.X509Certificate(Buffer.from(d)));
  const leaf = certs[0]!;
  const issuing = ca[0]!;
  for (let i = 1; i < certs.length; i++) {
    if (!ca[i - 1] || fp(certs[i]!) !== fp(ca[i - 1]!)) {
      return fail(
        `certificate ${i} of the device chain (${cn(certs[i]!)}) is not this station's CA certificate`,
      );
    }
  }
  if (!leaf.checkIssued(issuing) || !leaf.verify(issuing.publicKey)) {
    return fail(
      `the device certificate (${cn(leaf)}, issuer ${leaf.issuer.replace(/\n/g, ', ')}) was not issued by this station's CA ${cn(issuing)}`,
    );
  }
  for (let i = 0; i + 1 < ca.length; i++) {
    if (!ca[i]!.checkIssued(ca[i + 1]!) || !ca[i]!.verify(ca[i + 1]!.publicKey)) {
      return fail(`the station CA chain is broken between ${cn(ca[i]!)} and ${cn(ca[i + 1]!)}`);
    }
  }
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (at < from) return fail(`the device certificate is not valid before ${from.toISOString()}`);
  if (at > to) return fail(`the device certificate expired on ${to.toISOString()}`);
  for (const c of ca) {
    if (at > new Date(c.validTo))
      return fail(`the CA certificate ${cn(c)} expired on ${new Date(c.validTo).toISOString()}`);
  }
  if (leaf.ca) return fail('the device certificate is a CA certificate, not an end-entity certificate');
  const eku = leaf.keyUsage ?? [];
  if (!eku.includes(OID.clientAuth)) return fail('the device certificate lacks EKU clientAuth');
  const root = ca[ca.length - 1]!;
  return {
    ok: true,
    detail: `serial ${leaf.serialNumber.toLowerCase()} (${cn(leaf)}) chains to ${cn(issuing)}${root !== issuing ? ` → ${cn(root)}` : ''}; valid until ${to.toISOString()}; EKU clientAuth`,
  };
}
