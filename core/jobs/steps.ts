/**
 * The provisioning steps, in order (docs/architecture.md, Data flow). Each step reads what earlier
 * steps journaled (`ctx.outputs`), talks to one outside party through its port, and returns a
 * JSON-serialisable output that the runner journals before the next step starts. Each step is safe to
 * run again after a crash: the device's KEYGEN is idempotent, the CA returns the certificate it
 * already issued for the same UID and key, and the Asset upsert is keyed by the device UID.
 */
import crypto from 'node:crypto';
import type { DeviceIdentity, KeyAlgorithm, StationConfig, StepName } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { DeviceClient, SignatureAlgorithm } from '../device/types';
import type { IssuedCertificate, VerifiedCsr } from '../pki/types';
import type { JobRow } from '../records/journal';
import { assetTokenCapable, type OrgPort, type PkiPort } from '../bays/ports';

/** What a step gets. */
export interface StepContext {
  job: JobRow;
  config: StationConfig;
  device: DeviceClient;
  pki: () => Promise<PkiPort>;
  org: () => Promise<OrgPort>;
  /** Outputs of finished steps of this job (from the journal). */
  outputs: Partial<Record<StepName, unknown>>;
  /** Results kept in memory only (never journaled): the asset token. */
  memory: { assetToken?: string };
  signal: AbortSignal;
  progress(fraction: number): void;
  operator: string;
}

/** What a step returns. */
export interface StepResult {
  state: 'done' | 'skipped';
  output: unknown;
  /** One line for people: the UI's step detail. */
  detail: string;
  /** Facts for the job's record (Asset ID, certificate serial, …). */
  summary?: Record<string, unknown>;
}

export type StepFn = (ctx: StepContext) => Promise<StepResult>;

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const sha256 = (u: Uint8Array) => crypto.createHash('sha256').update(u).digest('hex');
const short = (fp: string) => fp.slice(0, 16).replace(/(..)(?=.)/g, '$1:');

/** The output of `identify`. */
export type IdentifyOut = { identity: DeviceIdentity };
/** The output of `keygen`. */
export type KeygenOut = { algorithm: KeyAlgorithm; spki: string; keyFingerprint: string; created: boolean };
/** The output of `csr`. */
export type CsrOut = { csr: string; keyFingerprint: string };
/** The output of `sign`. */
export type SignOut = Omit<IssuedCertificate, 'chain'> & { chain: string[] };
/** The output of `upsert-asset`. */
export type UpsertOut = { assetId: string; created: boolean; orgId: string };

function out<T>(ctx: StepContext, step: StepName): T {
  const v = ctx.outputs[step];
  if (v === undefined) {
    throw new StationError(
      'INTERNAL',
      `Step ${step} has no journaled result, but a later step needs it.`,
      'Retry the job; the station will run the missing step again.',
    );
  }
  return v as T;
}

/** The device subject from the station's template (`{uid}`, `{model}` filled in). */
export function deviceSubject(
  config: StationConfig,
  identity: DeviceIdentity,
): { CN: string; O?: string; OU?: string } {
  const fill = (t: string) => t.replaceAll('{uid}', identity.uid).replaceAll('{model}', identity.model);
  return {
    CN: fill(config.device.subject.CN),
    ...(config.device.subject.O ? { O: fill(config.device.subject.O) } : {}),
    ...(config.device.subject.OU ? { OU: fill(config.device.subject.OU) } : {}),
  };
}

/** Signature algorithm a key signs with over the device link (RFC 7518 §3.1 names). */
export function signatureAlgorithm(alg: KeyAlgorithm): SignatureAlgorithm {
  return alg === 'ECDSA-P256' ? 'ES256' : 'RS256';
}

/** Picks the key algorithm: the configured one if the device supports it, else the device's first. */
export function chooseAlgorithm(preferred: KeyAlgorithm, identity: DeviceIdentity): KeyAlgorithm {
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

const identify: StepFn = async (ctx) => {
  const identity = await ctx.device.hello({ signal: ctx.signal });
  if (ctx.job.deviceUid && identity.uid !== ctx.job.deviceUid) {
    throw new StationError(
      'DEVICE_MISMATCH',
      `The device on ${ctx.job.locator} is ${identity.uid}, but this job is for ${ctx.job.deviceUid}.`,
      `Plug device ${ctx.job.deviceUid} back into this bay, or start a new job for ${identity.uid}.`,
    );
  }
  return {
    state: 'done',
    output: { identity } satisfies IdentifyOut,
    detail: `${identity.model} ${identity.uid}, firmware ${identity.firmware}`,
    summary: { model: identity.model, firmware: identity.firmware },
  };
};

const keygen: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const algorithm = chooseAlgorithm(ctx.config.device.keyAlgorithm, identity);
  const replace = ctx.job.reprovision && identity.state.keyPresent;
  const r = await ctx.device.keygen(0, algorithm, replace, {
    signal: ctx.signal,
    onProgress: (f) => ctx.progress(f),
    timeoutMs: 120_000,
  });
  const keyFingerprint = sha256(r.publicKeySpki);
  return {
    state: 'done',
    output: {
      algorithm: r.algorithm,
      spki: b64(r.publicKeySpki),
      keyFingerprint,
      created: r.created,
    } satisfies KeygenOut,
    detail: `${r.algorithm} key ${r.created ? 'generated on the device' : 'already on the device'}, SHA-256 ${short(keyFingerprint)}…`,
    summary: { keyFingerprint },
  };
};

const csr: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const key = out<KeygenOut>(ctx, 'keygen');
  const pki = await ctx.pki();
  const want = pki.expectation(identity.uid, deviceSubject(ctx.config, identity));
  const der = await ctx.device.csr(0, want.subject, want.sans, { signal: ctx.signal, timeoutMs: 60_000 });
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
    output: { csr: b64(der), keyFingerprint: parsed.keyFingerprint } satisfies CsrOut,
    detail: `CSR ${der.length} bytes, signature verified`,
  };
};

const proofOfPossession: StepFn = async (ctx) => {
  const key = out<KeygenOut>(ctx, 'keygen');
  const pki = await ctx.pki();
  const challenge = pki.createChallenge();
  const alg = signatureAlgorithm(key.algorithm);
  const signature = await ctx.device.sign(0, challenge, alg, { signal: ctx.signal, timeoutMs: 30_000 });
  pki.verifyProofOfPossession(unb64(key.spki), challenge, signature, alg);
  return {
    state: 'done',
    output: { challenge: b64(challenge), alg },
    detail: `device signed a fresh ${challenge.length}-byte nonce (${alg})`,
  };
};

async function parsedCsr(ctx: StepContext): Promise<VerifiedCsr> {
  const pki = await ctx.pki();
  return pki.parseCsr(unb64(out<CsrOut>(ctx, 'csr').csr));
}

const policy: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const pki = await ctx.pki();
  const parsed = await parsedCsr(ctx);
  pki.checkCsrPolicy(parsed, pki.expectation(identity.uid, deviceSubject(ctx.config, identity)));
  const known = pki.findByKey(parsed.keyFingerprint);
  if (known && known.deviceUid !== identity.uid) {
    throw new StationError(
      'CLONE_SUSPECTED',
      `Device ${identity.uid} presents a key this station already certified for device ${known.deviceUid} (certificate ${known.serial}).`,
      'Quarantine both devices: a key that appears on two devices means one is a clone. Report it to security.',
      { otherUid: known.deviceUid, keyFingerprint: parsed.keyFingerprint },
    );
  }
  const org = await ctx.org();
  const clone = await org.checkClone({
    deviceUid: identity.uid,
    keyFingerprint: parsed.keyFingerprint,
    reprovision: ctx.job.reprovision,
  });
  return {
    state: 'done',
    output: clone,
    detail: `policy passed; no other device holds this key${clone.existingAssetId ? `; Asset ${clone.existingAssetId} already exists for this UID` : ''}`,
  };
};

const sign: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const pki = await ctx.pki();
  const cert = await pki.issue(await parsedCsr(ctx), {
    deviceUid: identity.uid,
    reprovision: ctx.job.reprovision,
    subject: deviceSubject(ctx.config, identity),
  });
  const o: SignOut = { ...cert, chain: cert.chain.map(b64) };
  return {
    state: 'done',
    output: o,
    detail: `certificate ${cert.serial} valid to ${cert.notAfter.slice(0, 10)}`,
    summary: {
      certSerial: cert.serial,
      certFingerprint: cert.fingerprint,
      keyFingerprint: cert.keyFingerprint,
      notAfter: cert.notAfter,
    },
  };
};

const installCert: StepFn = async (ctx) => {
  const cert = out<SignOut>(ctx, 'sign');
  const chain = cert.chain.map(unb64);
  await ctx.device.putCert(0, chain, { signal: ctx.signal, timeoutMs: 60_000 });
  const back = await ctx.device.getCert(0, { signal: ctx.signal, timeoutMs: 60_000 });
  if (!back[0] || sha256(back[0]) !== cert.fingerprint) {
    throw new StationError(
      'CERT_INSTALL_REFUSED',
      'The device accepted the certificate but returns a different one when read back.',
      'Retry the job; if it repeats, the device storage is faulty: set the device aside.',
    );
  }
  return {
    state: 'done',
    output: { installed: true, chainLength: chain.length },
    detail: `chain of ${chain.length} installed and read back`,
  };
};

const upsertAsset: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const cert = out<SignOut>(ctx, 'sign');
  const org = await ctx.org();
  const r = await org.upsertAsset({
    deviceUid: identity.uid,
    model: identity.model,
    firmware: identity.firmware,
    certSerial: cert.serial,
    certFingerprint: cert.fingerprint,
    keyFingerprint: cert.keyFingerprint,
    notAfter: cert.notAfter,
    stationId: ctx.job.stationId,
    provisionedBy: ctx.operator,
    provisionedAt: new Date().toISOString(),
    ...(ctx.job.inputs.accountId ? { accountId: ctx.job.inputs.accountId } : {}),
  });
  return {
    state: 'done',
    output: { assetId: r.id, created: r.created, orgId: org.orgId } satisfies UpsertOut,
    detail: `Asset ${r.id} ${r.created ? 'created' : 'updated'}`,
    summary: { assetId: r.id, orgUser: org.username, orgId: org.orgId },
  };
};

const assetToken: StepFn = async (ctx) => {
  const { identity } = out<IdentifyOut>(ctx, 'identify');
  const key = out<KeygenOut>(ctx, 'keygen');
  const up = out<UpsertOut>(ctx, 'upsert-asset');
  const skip = (reason: string, mark: 'skipped' | 'disabled'): StepResult => ({
    state: 'skipped',
    output: { reason },
    detail: reason,
    summary: { assetToken: mark },
  });
  if (!ctx.config.salesforce.assetTokens.enabled)
    return skip('asset tokens are disabled in the station settings', 'disabled');
  if (!identity.capabilities.assetToken)
    return skip(`${identity.model} firmware does not store asset tokens`, 'skipped');
  if (!assetTokenCapable(key.algorithm)) {
    // docs/salesforce-wire.md §1.3: RS256 is the only actor-token algorithm with any
    // documentary support; an EC key would likely be rejected by the org.
    return skip(
      `device key is ${key.algorithm}: Salesforce asset tokens need an RSA device key (actor tokens are RS256 only), so none was requested`,
      'skipped',
    );
  }
  const org = await ctx.org();
  const r = await org.issueAssetToken({
    deviceUid: identity.uid,
    assetId: up.assetId,
    name: `${identity.model} ${identity.uid}`,
    publicKeySpki: unb64(key.spki),
    sign: (input) => ctx.device.sign(0, input, 'RS256', { signal: ctx.signal, timeoutMs: 30_000 }),
  });
  ctx.memory.assetToken = r.assetToken;
  return {
    state: 'done',
    output: { expiresIn: r.expiresIn, ...(r.jti ? { jti: r.jti } : {}) },
    detail: `asset token issued and validated (expires in ${r.expiresIn} s)`,
    summary: { assetToken: 'issued' },
  };
};

const writeBack: StepFn = async (ctx) => {
  const up = out<UpsertOut>(ctx, 'upsert-asset');
  await ctx.device.setAsset(
    {
      assetId: up.assetId,
      orgId: up.orgId,
      ...(ctx.memory.assetToken ? { assetToken: ctx.memory.assetToken } : {}),
    },
    { signal: ctx.signal, timeoutMs: 30_000 },
  );
  return {
    state: 'done',
    output: { assetId: up.assetId, withToken: Boolean(ctx.memory.assetToken) },
    detail: `Asset ID ${up.assetId} written${ctx.memory.assetToken ? ' with asset token' : ''}`,
  };
};

const readBack: StepFn = async (ctx) => {
  const up = out<UpsertOut>(ctx, 'upsert-asset');
  const got = await ctx.device.getAsset({ signal: ctx.signal, timeoutMs: 30_000 });
  const problems: string[] = [];
  if (!got) problems.push('the device reports no Asset binding');
  else {
    if (got.assetId !== up.assetId)
      problems.push(`Asset ID reads back as ${got.assetId}, expected ${up.assetId}`);
    if (got.orgId !== up.orgId) problems.push(`org ID reads back as ${got.orgId}, expected ${up.orgId}`);
    if (ctx.memory.assetToken && got.assetToken !== ctx.memory.assetToken)
      problems.push('the asset token reads back different');
  }
  if (problems.length) {
    throw new StationError(
      'JOB_STEP_FAILED',
      `Read-back failed: ${problems.join('; ')}.`,
      'Retry the job; if it repeats, the device storage is faulty: set the device aside.',
    );
  }
  return { state: 'done', output: { assetId: up.assetId }, detail: `device reads back Asset ${up.assetId}` };
};

/** The provisioning steps by name. */
export const PROVISION_STEP_FNS: Record<string, StepFn> = {
  identify,
  keygen,
  csr,
  'proof-of-possession': proofOfPossession,
  policy,
  sign,
  'install-cert': installCert,
  'upsert-asset': upsertAsset,
  'asset-token': assetToken,
  'write-back': writeBack,
  'read-back': readBack,
};

/**
 * Steps whose result lives partly in memory: on resume they run again when a later step that needs
 * them has not finished (the asset token is never journaled).
 */
export const VOLATILE_STEPS: Partial<Record<StepName, StepName>> = { 'asset-token': 'write-back' };
