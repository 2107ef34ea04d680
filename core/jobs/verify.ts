/**
 * QA verify: re-checks a device's identity end to end without changing anything. Each check is a
 * journaled step so the report is kept with the device's history: identify, chain (installed
 * certificate chains to this station's CA), challenge (the device's key signs a fresh nonce, verified
 * with the certificate's key), org-asset (the org's Asset carries this UID and fingerprints),
 * asset-link (the Asset ID on the device is the org's).
 */
import crypto from 'node:crypto';
import type { VerifyCheck } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { OrgAsset } from '../bays/ports';
import type { StepFn, StepResult } from './steps';
import { signatureAlgorithm } from './steps';

const sha256 = (u: Uint8Array) => crypto.createHash('sha256').update(u).digest('hex');

/**
 * Verify steps record their check in the output and go on, so QA sees every check; the job fails at
 * the end when any check failed ({@link verifyOutcome}).
 */
function check(name: string, passed: boolean, detail: string): StepResult {
  const c: VerifyCheck = { name, passed, detail };
  return { state: 'done', output: c, detail: `${passed ? 'pass' : 'FAIL'}: ${detail}` };
}

/** The checks of a verify job, from its step outputs, in order. */
export function verifyChecks(outputs: Partial<Record<string, unknown>>): VerifyCheck[] {
  return ['identify', 'chain', 'challenge', 'org-asset', 'asset-link']
    .map((n) => outputs[n] as VerifyCheck | undefined)
    .filter((c): c is VerifyCheck => Boolean(c))
    .map((c) => ({ name: c.name, passed: c.passed, detail: c.detail }));
}

/** Job outcome of a verify: VERIFY_FAILED naming the failed checks, or undefined when all passed. */
export function verifyOutcome(outputs: Partial<Record<string, unknown>>) {
  const failed = verifyChecks(outputs).filter((c) => !c.passed);
  if (failed.length === 0) return undefined;
  return new StationError(
    'VERIFY_FAILED',
    `Verification failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}.`,
    'Do not ship this device; set it aside for re-provisioning or investigation.',
  ).toShape();
}

type Id = {
  identity: { uid: string; model: string; state: { certInstalled: boolean; assetIdSet: boolean } };
};

const identify: StepFn = async (ctx) => {
  const identity = await ctx.device.hello({ signal: ctx.signal });
  return {
    state: 'done',
    output: { identity, name: 'identify', passed: true, detail: `${identity.model} ${identity.uid}` },
    detail: `${identity.model} ${identity.uid}, firmware ${identity.firmware}`,
    summary: { model: identity.model, firmware: identity.firmware },
  };
};

const chain: StepFn = async (ctx) => {
  const certs = await ctx.device.getCert(0, { signal: ctx.signal });
  if (certs.length === 0) return check('chain', false, 'the device holds no certificate');
  const pki = await ctx.pki();
  const r = pki.verifyDeviceChain(certs);
  const leaf = new crypto.X509Certificate(Buffer.from(certs[0]!));
  const res = check('chain', r.ok, r.detail);
  return {
    ...res,
    output: {
      ...(res.output as object),
      leafFingerprint: sha256(certs[0]!),
      serial: leaf.serialNumber.toLowerCase(),
    },
    summary: {
      certFingerprint: sha256(certs[0]!),
      certSerial: leaf.serialNumber.toLowerCase(),
      notAfter: new Date(leaf.validTo).toISOString(),
    },
  };
};

const challenge: StepFn = async (ctx) => {
  const certs = await ctx.device.getCert(0, { signal: ctx.signal });
  if (certs.length === 0)
    return check('challenge', false, 'there is no installed certificate to challenge against');
  const leaf = new crypto.X509Certificate(Buffer.from(certs[0]!));
  const spki = new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' }));
  const alg = signatureAlgorithm(leaf.publicKey.asymmetricKeyType === 'ec' ? 'ECDSA-P256' : 'RSA-2048');
  const pki = await ctx.pki();
  const nonce = pki.createChallenge();
  const sig = await ctx.device.sign(0, nonce, alg, { signal: ctx.signal });
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
    output: { ...(res.output as object), keyFingerprint: sha256(spki) },
    summary: { keyFingerprint: sha256(spki) },
  };
};

const orgAsset: StepFn = async (ctx) => {
  const { identity } = ctx.outputs.identify as Id;
  const chainOut = ctx.outputs.chain as { leafFingerprint?: string };
  const keyOut = ctx.outputs.challenge as { keyFingerprint?: string };
  const org = await ctx.org();
  const asset: OrgAsset | undefined = await org.findAssetByUid(identity.uid);
  if (!asset) return check('org-asset', false, `the org has no Asset with device UID ${identity.uid}`);
  const problems: string[] = [];
  if (asset.certFingerprint !== chainOut.leafFingerprint)
    problems.push(
      `the Asset's certificate fingerprint (${asset.certFingerprint ?? 'none'}) differs from the device's certificate`,
    );
  if (asset.keyFingerprint !== keyOut.keyFingerprint)
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
  return { ...res, output: { ...(res.output as object), assetId: asset.id }, summary: { assetId: asset.id } };
};

const assetLink: StepFn = async (ctx) => {
  const org = (ctx.outputs['org-asset'] as { assetId?: string }).assetId;
  if (!org) return check('asset-link', false, 'there is no Asset in the org to compare with');
  const b = await ctx.device.getAsset({ signal: ctx.signal });
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
export const VERIFY_STEP_FNS: Record<string, StepFn> = {
  identify,
  chain,
  challenge,
  'org-asset': orgAsset,
  'asset-link': assetLink,
};
