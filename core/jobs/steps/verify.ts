/**
 * QA verify: re-checks a device's identity end to end without changing anything. Each check is a
 * journaled step so the report is kept with the device's history: identify, chain (installed
 * certificate chains to this station's CA), challenge (the device's key signs a fresh nonce, verified
 * with the certificate's key), org-asset (the org's Asset carries this UID and fingerprints),
 * asset-link (the Asset ID on the device is the org's).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import {
  DeviceIdentity,
  VERIFY_STEPS,
  VerifyCheck,
  type Job,
  type VerifyReport,
  type VerifyStepName,
} from '../../../shared/domain';
import { StationError, type StationErrorShape } from '../../../shared/errors';
import { checkedOutput, type Journal } from '../../records/journal';
import { defineJob } from '../definition';
import { sha256, type StepFn, type StepResult } from './context';
import { signatureAlgorithm } from './key';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** The journaled output of each verify step: its check, plus the facts later checks compare. */
export const VERIFY_OUTPUTS = {
  identify: VerifyCheck.extend({ identity: DeviceIdentity }),
  chain: VerifyCheck.extend({ leafFingerprint: Sha256Hex.optional(), serial: z.string().optional() }),
  challenge: VerifyCheck.extend({ keyFingerprint: Sha256Hex.optional() }),
  'org-asset': VerifyCheck.extend({ assetId: z.string().optional() }),
  'asset-link': VerifyCheck,
} as const satisfies Record<VerifyStepName, z.ZodType>;

/** The output type of each verify step. */
export type VerifyOutputs = { [K in VerifyStepName]: z.infer<(typeof VERIFY_OUTPUTS)[K]> };
type V = VerifyOutputs;

/**
 * Verify steps record their check in the output and go on, so QA sees every check; the job fails at
 * the end when any check failed ({@link verifyOutcome}).
 */
function check(name: VerifyStepName, passed: boolean, detail: string): StepResult<VerifyCheck> {
  return {
    state: 'done',
    output: { name, passed, detail },
    detail: `${passed ? 'pass' : 'FAIL'}: ${detail}`,
  };
}

/** The checks of a verify job, from its step outputs, in order. */
export function verifyChecks(outputs: Partial<V>): VerifyCheck[] {
  return VERIFY_STEPS.flatMap((n) => {
    const c = outputs[n];
    return c ? [{ name: c.name, passed: c.passed, detail: c.detail }] : [];
  });
}

/** Job outcome of a verify: VERIFY_FAILED naming the failed checks, or undefined when all passed. */
export function verifyOutcome(outputs: Partial<V>): StationErrorShape | undefined {
  const failed = verifyChecks(outputs).filter((c) => !c.passed);
  if (failed.length === 0) return undefined;
  return new StationError(
    'VERIFY_FAILED',
    `Verification failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}.`,
    'Do not ship this device; set it aside for re-provisioning or investigation.',
  ).toShape();
}

/**
 * The report of a finished verify job: its checks as journaled (read back through their schemas), plus
 * the error that stopped it early, if any.
 * @throws StationError JOURNAL_CORRUPT when a check's journaled output cannot be read back.
 */
export function verifyReport(journal: Journal, done: Job): VerifyReport {
  const rows = journal.steps(done.id).filter((r) => r.state === 'done');
  const read = <K extends VerifyStepName>(name: K): V[K] | undefined => {
    const row = rows.find((r) => r.name === name);
    // V[K] is z.infer of VERIFY_OUTPUTS[K] by definition; TypeScript cannot see it for a generic K.
    return row ? checkedOutput(done.id, row, VERIFY_OUTPUTS[name] as z.ZodType<V[K]>) : undefined;
  };
  const checks = verifyChecks({
    identify: read('identify'),
    chain: read('chain'),
    challenge: read('challenge'),
    'org-asset': read('org-asset'),
    'asset-link': read('asset-link'),
  });
  if (done.error && done.error.code !== 'VERIFY_FAILED') {
    const failedStep = done.steps.find((s) => s.state === 'failed');
    checks.push({
      name: failedStep?.name ?? 'verify',
      passed: false,
      detail: `${done.error.message} ${done.error.remedy}`,
    });
  }
  return {
    jobId: done.id,
    deviceUid: done.deviceUid ?? '',
    passed: done.state === 'succeeded',
    checks,
    at: done.endedAt ?? new Date().toISOString(),
  };
}

const identify: StepFn<V, 'identify'> = async (ctx) => {
  const identity = await ctx.device.identify({ signal: ctx.signal });
  return {
    state: 'done',
    output: { identity, name: 'identify', passed: true, detail: `${identity.model} ${identity.uid}` },
    detail: `${identity.model} ${identity.uid}, firmware ${identity.firmware}`,
    summary: { model: identity.model, firmware: identity.firmware },
  };
};

const chain: StepFn<V, 'chain'> = async (ctx) => {
  const certs = await ctx.device.readCertificateChain({ signal: ctx.signal });
  if (certs.length === 0) return check('chain', false, 'the device holds no certificate');
  const pki = await ctx.pki();
  const r = pki.verifyDeviceChain(certs);
  const leaf = new crypto.X509Certificate(Buffer.from(certs[0]!));
  const res = check('chain', r.ok, r.detail);
  const serial = leaf.serialNumber.toLowerCase();
  return {
    ...res,
    output: { ...res.output, leafFingerprint: sha256(certs[0]!), serial },
    summary: {
      certFingerprint: sha256(certs[0]!),
      certSerial: serial,
      notAfter: new Date(leaf.validTo).toISOString(),
    },
  };
};

const challenge: StepFn<V, 'challenge'> = async (ctx) => {
  const certs = await ctx.device.readCertificateChain({ signal: ctx.signal });
  if (certs.length === 0)
    return check('challenge', false, 'there is no installed certificate to challenge against');
  const leaf = new crypto.X509Certificate(Buffer.from(certs[0]!));
  const spki = new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' }));
  if (ctx.device.capabilities.proofOfPossession.kind !== 'sign-challenge') {
    const why =
      'this device has no signing command, so no fresh challenge is possible; its key was attested at provisioning';
    return {
      state: 'skipped',
      output: { name: 'challenge', passed: true, detail: `skipped: ${why}`, keyFingerprint: sha256(spki) },
      detail: `skipped: ${why}`,
      summary: { keyFingerprint: sha256(spki) },
    };
  }
  const alg = signatureAlgorithm(leaf.publicKey.asymmetricKeyType === 'ec' ? 'ECDSA-P256' : 'RSA-2048');
  const pki = await ctx.pki();
  const nonce = pki.createChallenge();
  const sig = await ctx.device.sign(nonce, alg, { signal: ctx.signal });
  let ok = true;
  try {
    pki.verifyProofOfPossession(spki, nonce, sig, alg);
  } catch {
    ok = false;
  }
  const res = check(
    'challenge',
    ok,
    ok
      ? `the device's key signed a fresh nonce (${alg}) matching the installed certificate`
      : 'the device could not prove it holds the key of its installed certificate',
  );
  return {
    ...res,
    output: { ...res.output, keyFingerprint: sha256(spki) },
    summary: { keyFingerprint: sha256(spki) },
  };
};

const orgAsset: StepFn<V, 'org-asset'> = async (ctx) => {
  const { identity } = ctx.outputs.identify ?? {};
  if (!identity) return check('org-asset', false, 'the device was not identified');
  const org = await ctx.org();
  const asset = await org.findAssetByUid(identity.uid);
  if (!asset) return check('org-asset', false, `the org has no Asset with device UID ${identity.uid}`);
  const problems: string[] = [];
  if (asset.certFingerprint !== ctx.outputs.chain?.leafFingerprint)
    problems.push(
      `the Asset's certificate fingerprint (${asset.certFingerprint ?? 'none'}) differs from the device's certificate`,
    );
  if (asset.keyFingerprint !== ctx.outputs.challenge?.keyFingerprint)
    problems.push(
      `the Asset's key fingerprint (${asset.keyFingerprint ?? 'none'}) differs from the device's key`,
    );
  const res = check(
    'org-asset',
    problems.length === 0,
    problems.length
      ? problems.join('; ')
      : `Asset ${asset.id} carries this UID and the device's certificate and key fingerprints`,
  );
  return { ...res, output: { ...res.output, assetId: asset.id }, summary: { assetId: asset.id } };
};

const assetLink: StepFn<V, 'asset-link'> = async (ctx) => {
  const org = ctx.outputs['org-asset']?.assetId;
  if (!org) return check('asset-link', false, 'there is no Asset in the org to compare with');
  const home = ctx.device.capabilities.assetBinding;
  if (home.kind === 'org')
    return {
      state: 'skipped',
      output: { name: 'asset-link', passed: true, detail: `skipped: ${home.reason}` },
      detail: `skipped: ${home.reason}`,
    };
  const b = await ctx.device.readAssetBinding({ signal: ctx.signal });
  if (!b) return check('asset-link', false, 'the device holds no Asset ID');
  return check(
    'asset-link',
    b.assetId === org,
    b.assetId === org
      ? `the device holds Asset ID ${org}`
      : `the device holds Asset ID ${b.assetId}, the org says ${org}`,
  );
};

/** The verify steps by name. */
export const VERIFY_STEP_FNS = {
  identify,
  chain,
  challenge,
  'org-asset': orgAsset,
  'asset-link': assetLink,
} satisfies { [K in VerifyStepName]: StepFn<V, K> };

/** The verify job kind. */
export const VERIFY_JOB = defineJob<V>({
  kind: 'verify',
  steps: VERIFY_STEPS,
  fns: VERIFY_STEP_FNS,
  outputs: VERIFY_OUTPUTS,
  deviceUid: (outputs) => outputs.identify?.identity.uid,
  finalize: verifyOutcome,
});
