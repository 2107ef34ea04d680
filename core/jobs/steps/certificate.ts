/**
 * Provisioning steps about the certificate: `policy` (CSR policy and the station's clone check; the org's
 * own for an org that does not enforce the identity rules), `sign` (the station CA issues, or returns the
 * certificate it already issued for this UID and key) and `install-cert` (after the org accepted the
 * identity at upsert-asset: the chain goes onto the device and is read back).
 */
import type { DeviceIdentity, StationConfig } from '../../../shared/domain';
import { StationError } from '../../../shared/errors';
import type { DeviceSubject, PkiPort } from '../../bays/ports';
import type { DeviceDriver } from '../../device';
import type { CsrExpectation, VerifiedCsr } from '../../pki/types';
import { isOrgOutage } from '../parking';
import { b64, need, unb64, type StepContext, type StepFn } from './context';
import type { ProvisionOutputs } from './outputs';

type P = ProvisionOutputs;

/** Installing a chain and reading it back (PUT_CERT/GET_CERT, %CMNG write/list), ms. */
const CERT_IO_TIMEOUT_MS = 60_000;

/** The optional subject attributes of the template, in certificate order (core/pki/profile.ts). */
const OPTIONAL_ATTRIBUTES = ['C', 'ST', 'L', 'O', 'OU', 'serialNumber'] as const;

/**
 * The device subject from the station's template (`{uid}`, `{model}` filled in): CN and whichever of
 * C, ST, L, O, OU, serialNumber the template sets (empty ones are left out).
 */
export function deviceSubject(config: StationConfig, identity: DeviceIdentity): DeviceSubject {
  const fill = (t: string) => t.replaceAll('{uid}', identity.uid).replaceAll('{model}', identity.model);
  const template = config.device.subject;
  const out: DeviceSubject = { CN: fill(template.CN) };
  for (const a of OPTIONAL_ATTRIBUTES) if (template[a]) out[a] = fill(template[a]);
  return out;
}

/**
 * What the station asks the device's CSR to carry: the subject template and the CA profile's SANs — no
 * SANs for a family that cannot put them in its CSR (the certificate still gets them from the profile).
 */
export function csrExpectation(
  pki: PkiPort,
  device: DeviceDriver,
  config: StationConfig,
  identity: DeviceIdentity,
): CsrExpectation {
  const want = pki.expectation(identity.uid, deviceSubject(config, identity));
  return device.capabilities.csrSans ? want : { ...want, sans: [] };
}

async function journaledCsr(ctx: StepContext<P>): Promise<VerifiedCsr> {
  const pki = await ctx.pki();
  return pki.parseCsr(unb64(need(ctx, 'csr').csr));
}

/**
 * The CSR meets the CA's policy, and no other device holds this key in the station's own index. The org's
 * clone check rides in the Asset upsert where the org enforces the identity rules (issue 18); for an org
 * that does not (an older package), its SOQL clone check runs here, before signing, as before.
 * @throws StationError CSR_POLICY, CLONE_SUSPECTED, REPROVISION_REQUIRED.
 */
export const policy: StepFn<P, 'policy'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const pki = await ctx.pki();
  const parsed = await journaledCsr(ctx);
  pki.checkCsrPolicy(parsed, csrExpectation(pki, ctx.device, ctx.config, identity));
  const known = pki.findByKey(parsed.keyFingerprint);
  if (known && known.deviceUid !== identity.uid) {
    throw new StationError(
      'CLONE_SUSPECTED',
      `Device ${identity.uid} presents a key this station already certified for device ${known.deviceUid} (certificate ${known.serial}).`,
      'Quarantine both devices: a key that appears on two devices means one is a clone. Report it to security.',
      { otherUid: known.deviceUid, keyFingerprint: parsed.keyFingerprint },
    );
  }
  const deferred = { orgCheckDeferred: true as const };
  const outage = (e: unknown) => {
    // Salesforce out of reach: the station's own index passed; the org's check runs at the upsert.
    if (e instanceof StationError && isOrgOutage(e)) return deferred;
    throw e;
  };
  const rules = await ctx
    .org()
    .then((org) => org.identityRules())
    .catch(outage);
  if ('enforced' in rules && rules.enforced)
    return {
      state: 'done',
      output: {},
      detail: 'policy passed at the station; Salesforce checks the key when the Asset is registered',
    };
  const clone: { existingAssetId?: string; orgCheckDeferred?: true } =
    'orgCheckDeferred' in rules
      ? deferred
      : await orgCloneCheck(ctx, identity.uid, parsed.keyFingerprint).catch(outage);
  if (clone.orgCheckDeferred)
    return {
      state: 'done',
      output: clone,
      detail: 'policy passed at the station; the org clone check waits until Salesforce answers again',
    };
  return {
    state: 'done',
    output: clone,
    detail: `policy passed; no other device holds this key${clone.existingAssetId ? `; Asset ${clone.existingAssetId} already exists for this UID` : ''}`,
  };
};

/**
 * The org's SOQL clone check, for an org that does not enforce the identity rules itself (a key
 * registered under another UID, or this UID under another key).
 * @throws StationError CLONE_SUSPECTED, REPROVISION_REQUIRED; the org's errors (ORG_UNAVAILABLE, …).
 */
export async function orgCloneCheck(
  ctx: StepContext<P>,
  deviceUid: string,
  keyFingerprint: string,
): Promise<{ existingAssetId?: string }> {
  const org = await ctx.org();
  return org.checkClone({ deviceUid, keyFingerprint, reprovision: ctx.job.reprovision });
}

/** The station CA issues the device certificate (idempotent for the same UID and key). */
export const sign: StepFn<P, 'sign'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const pki = await ctx.pki();
  const cert = await pki.issue(await journaledCsr(ctx), {
    deviceUid: identity.uid,
    reprovision: ctx.job.reprovision,
    subject: deviceSubject(ctx.config, identity),
  });
  return {
    state: 'done',
    output: { ...cert, chain: cert.chain.map(b64) },
    detail: `certificate ${cert.serial} valid to ${cert.notAfter.slice(0, 10)}`,
    summary: {
      certSerial: cert.serial,
      certFingerprint: cert.fingerprint,
      keyFingerprint: cert.keyFingerprint,
      notAfter: cert.notAfter,
    },
  };
};

/**
 * Installs the chain on the device and reads the whole chain back: what the device reports holding must
 * equal what the station installed, item for item ({@link DeviceDriver.chainDigests}; protocol v1: every
 * certificate GET_CERT returns, byte for byte by SHA-256; nRF91: the modem's own hashes). A device that
 * reports only its leaf is refused unless `device.allowLeafOnlyReadBack` is set, and then the step's
 * record carries a warning (docs/security.md, "Chain read-back").
 * @throws StationError CERT_INSTALL_REFUSED when the device holds another chain (or only the leaf).
 */
export const installCert: StepFn<P, 'install-cert'> = async (ctx) => {
  const cert = need(ctx, 'sign');
  const chain = cert.chain.map(unb64);
  const o = { signal: ctx.signal, timeoutMs: CERT_IO_TIMEOUT_MS };
  await ctx.device.installCertificate(chain, o);
  const back = await ctx.device.installedChainDigests(o);
  const want = ctx.device.chainDigests(chain);
  const same = back.length === want.length && back.every((d, i) => d === want[i]);
  const leafOnly = !same && want.length > 1 && back.length === 1 && back[0] === want[0];
  if (leafOnly && ctx.config.device.allowLeafOnlyReadBack) {
    return {
      state: 'done',
      output: { installed: true, chainLength: chain.length },
      detail: `chain of ${chain.length} installed; WARNING: the device reported only its own certificate, so the rest of the chain was not checked (leaf-only read-back is allowed in Settings)`,
    };
  }
  if (leafOnly) {
    throw new StationError(
      'CERT_INSTALL_REFUSED',
      `The device accepted the certificate chain but reports only its own certificate when read back, so the station cannot check the ${chain.length - 1} CA certificate(s) it holds.`,
      'Update the device firmware to one that returns the whole chain. If this firmware is known and trusted, turn on "accept leaf-only read-back" in Settings (each job record then carries a warning) and retry.',
      { installed: back.length, expected: want.length },
    );
  }
  if (!same) {
    throw new StationError(
      'CERT_INSTALL_REFUSED',
      back[0] === want[0]
        ? `The device holds the right certificate but a different certificate chain when read back (${back.length} certificate(s) instead of the ${want.length} installed).`
        : 'The device accepted the certificate but returns a different one when read back.',
      'Retry the job; if it repeats, the device storage is faulty or the device is not genuine: set the device aside.',
      { installed: back.length, expected: want.length },
    );
  }
  return {
    state: 'done',
    output: { installed: true, chainLength: chain.length },
    detail: `chain of ${chain.length} installed and read back`,
  };
};
