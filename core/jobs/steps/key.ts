/**
 * Provisioning steps about the device key: `keygen` (the key pair is generated on the device and
 * never leaves it), `csr` (the device's certificate signing request, for that key) and
 * `proof-of-possession` (the device signs a fresh station nonce with it).
 */
import type { DeviceIdentity, KeyAlgorithm } from '../../../shared/domain';
import { StationError } from '../../../shared/errors';
import type { SignatureAlgorithm } from '../../device/types';
import { csrExpectation } from './certificate';
import { b64, need, sha256, short, unb64, type StepFn } from './context';
import type { ProvisionOutputs } from './outputs';

type P = ProvisionOutputs;

/** Device KEYGEN may take this long (RSA on a small MCU), ms. */
const KEYGEN_TIMEOUT_MS = 120_000;
/** Device CSR generation, ms. */
const CSR_TIMEOUT_MS = 60_000;
/** Device SIGN of a nonce, ms. */
const SIGN_TIMEOUT_MS = 30_000;

/** Signature algorithm a key signs with over the device link (RFC 7518 §3.1 names). */
export function signatureAlgorithm(alg: KeyAlgorithm): SignatureAlgorithm {
  return alg === 'ECDSA-P256' ? 'ES256' : 'RS256';
}

/**
 * Picks the key algorithm: the configured one if the device supports it, else the device's first.
 * @throws StationError DEVICE_REFUSED when the device reports no key algorithm.
 */
function chooseAlgorithm(preferred: KeyAlgorithm, identity: DeviceIdentity): KeyAlgorithm {
  if (identity.capabilities.keyAlgorithms.includes(preferred)) return preferred;
  const first = identity.capabilities.keyAlgorithms[0];
  if (!first) {
    throw new StationError(
      'DEVICE_REFUSED',
      `Device ${identity.uid} reports no key algorithms it can generate.`,
      'Update the device firmware; it must support ECDSA-P256 or RSA-2048.',
    );
  }
  return first;
}

/** Generates (or, idempotently, reports) the device key; a re-provision replaces an existing key. */
export const keygen: StepFn<P, 'keygen'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const algorithm = chooseAlgorithm(ctx.config.device.keyAlgorithm, identity);
  const replace = ctx.job.reprovision && identity.state.keyPresent;
  // A family that makes its CSR with the key (nRF91 %KEYGEN) needs the subject now.
  const want = ctx.device.capabilities.csrAtKeygen
    ? csrExpectation(await ctx.pki(), ctx.device, ctx.config, identity)
    : { subject: {}, sans: [] };
  const r = await ctx.device.generateKey(
    { algorithm, replace, subject: want.subject, sans: want.sans },
    { signal: ctx.signal, onProgress: (f) => ctx.progress(f), timeoutMs: KEYGEN_TIMEOUT_MS },
  );
  const keyFingerprint = sha256(r.publicKeySpki);
  return {
    state: 'done',
    output: {
      algorithm: r.algorithm,
      spki: b64(r.publicKeySpki),
      keyFingerprint,
      created: r.created,
      ...(r.csr ? { csr: b64(r.csr) } : {}),
      ...(r.attestation ? { attestation: r.attestation } : {}),
    },
    detail: `${r.algorithm} key ${r.created ? 'generated on the device' : 'already on the device'}${r.csr ? ', with its CSR' : ''}, SHA-256 ${short(keyFingerprint)}…`,
    summary: { keyFingerprint },
  };
};

/**
 * Gets the device's CSR for the station's subject and SANs and checks its signature.
 * @throws StationError CSR_POLICY when the CSR carries another key than the device reported.
 */
export const csr: StepFn<P, 'csr'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const key = need(ctx, 'keygen');
  const pki = await ctx.pki();
  const atKeygen = ctx.device.capabilities.csrAtKeygen;
  if (atKeygen && !key.csr)
    throw new StationError(
      'INTERNAL',
      `The key generation of ${identity.uid} left no CSR in the journal.`,
      'Re-provision the device: its key generation makes the CSR.',
    );
  const want = csrExpectation(pki, ctx.device, ctx.config, identity);
  const der = key.csr
    ? unb64(key.csr)
    : await ctx.device.requestCsr(want.subject, want.sans, { signal: ctx.signal, timeoutMs: CSR_TIMEOUT_MS });
  const parsed = await pki.parseCsr(der);
  if (parsed.keyFingerprint !== key.keyFingerprint) {
    throw new StationError(
      'CSR_POLICY',
      `The CSR from ${identity.uid} carries key ${short(parsed.keyFingerprint)}…, not the key the device reported (${short(key.keyFingerprint)}…).`,
      'Do not ship this device: it may be tampered with. Set it aside for QA.',
    );
  }
  return {
    state: 'done',
    output: { csr: b64(der), keyFingerprint: parsed.keyFingerprint },
    detail: `CSR ${der.length} bytes${key.csr ? ' (made with the key)' : ''}, signature verified`,
  };
};

/**
 * Proof of possession, as the device family allows: the device signs a fresh station nonce with its key;
 * or, for a family without a signing command (nRF91), the CSR's own signature (verified at `csr`) plus
 * the device's attestation binding that CSR's SHA-256 to the device (checked by the driver at key
 * generation, re-checked here against the journaled CSR). Never skipped: the method is in the detail.
 * @throws StationError POP_FAILED when the signature does not verify or the attestation does not bind.
 */
export const proofOfPossession: StepFn<P, 'proof-of-possession'> = async (ctx) => {
  const key = need(ctx, 'keygen');
  const pop = ctx.device.capabilities.proofOfPossession;
  if (pop.kind === 'csr-attestation') {
    const csrDer = unb64(need(ctx, 'csr').csr);
    const a = key.attestation;
    if (
      !a ||
      a.csrSha256 !== sha256(csrDer) ||
      typeof a.secTag !== 'number' ||
      typeof a.deviceUuid !== 'string'
    )
      throw new StationError(
        'POP_FAILED',
        "The device's attestation does not bind its CSR to the device.",
        'Do not ship this device: retry once; if it repeats, set it aside for QA.',
      );
    return {
      state: 'done',
      output: {
        method: 'csr-attestation',
        csrSha256: a.csrSha256,
        deviceUuid: a.deviceUuid,
        secTag: a.secTag,
      },
      detail: `no signing command on this device: CSR signed inside it + its attestation (device ${a.deviceUuid}, sec tag ${a.secTag}) of CSR SHA-256 ${short(a.csrSha256)}…`,
    };
  }
  const pki = await ctx.pki();
  const challenge = pki.createChallenge();
  const alg = signatureAlgorithm(key.algorithm);
  const signature = await ctx.device.sign(challenge, alg, {
    signal: ctx.signal,
    timeoutMs: SIGN_TIMEOUT_MS,
  });
  pki.verifyProofOfPossession(unb64(key.spki), challenge, signature, alg);
  return {
    state: 'done',
    output: { challenge: b64(challenge), alg },
    detail: `device signed a fresh ${challenge.length}-byte nonce (${alg})`,
  };
};
