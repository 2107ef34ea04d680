/**
 * The journaled output of every provisioning step, as zod schemas: the runner checks each finished
 * step's stored output against its schema when it reads the journal back (resume after a crash,
 * Retry), so a damaged or old-format row stops the job with JOURNAL_CORRUPT before any step uses it.
 * Objects are not strict: a later version may add fields, never remove or retype one.
 */
import { z } from 'zod';
import { DeviceIdentity, KeyAlgorithm, type ProvisionStepName } from '../../../shared/domain';

const Base64 = z.base64();
/** SHA-256, lowercase hex (FIPS 180-4 digest, 32 bytes). */
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 fingerprint (64 hex digits)');

const IdentifyOut = z.object({ identity: DeviceIdentity });

export const KeygenOut = z.object({
  algorithm: KeyAlgorithm,
  /** SubjectPublicKeyInfo DER, base64. */
  spki: Base64,
  keyFingerprint: Sha256Hex,
  /** False when the device already held the key (KEYGEN is idempotent). */
  created: z.boolean(),
  /** DER CSR, base64, when the family makes it at key generation (nRF91 %KEYGEN). */
  csr: Base64.optional(),
  /** The device's attestation of that CSR, as the driver checked it (nRF91: device UUID, sec tag, CSR SHA-256). */
  attestation: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type KeygenOut = z.infer<typeof KeygenOut>;

const CsrOut = z.object({ csr: Base64, keyFingerprint: Sha256Hex });

/** SIGN of a station challenge, or (families without a signing command) the CSR + attestation facts. */
const ProofOfPossessionOut = z.union([
  z.object({ challenge: Base64, alg: z.enum(['ES256', 'RS256']) }),
  z.object({
    method: z.literal('csr-attestation'),
    csrSha256: Sha256Hex,
    deviceUuid: z.string(),
    secTag: z.number(),
  }),
]);

const PolicyOut = z.object({
  existingAssetId: z.string().optional(),
  reprovisioned: z.boolean().optional(),
  /** The org was out of reach: its clone check runs before the Asset upsert instead (core/jobs/parking.ts). */
  orgCheckDeferred: z.boolean().optional(),
});

export const SignOut = z.object({
  /** Leaf, issuing CA, root: DER, base64. */
  chain: z.array(Base64).min(1),
  serial: z.string().regex(/^[0-9a-f]+$/, 'expected a certificate serial number in hex'),
  fingerprint: Sha256Hex,
  keyFingerprint: Sha256Hex,
  notBefore: z.string(),
  notAfter: z.string(),
  subject: z.string(),
  reused: z.boolean().optional(),
});
export type SignOut = z.infer<typeof SignOut>;

const InstallCertOut = z.object({ installed: z.literal(true), chainLength: z.number().int().min(1) });

const UpsertAssetOut = z.object({
  assetId: z.string().min(1),
  created: z.boolean(),
  orgId: z.string(),
});

/** Issued (the token itself stays in memory), or skipped with the reason. */
export const AssetTokenOut = z.union([
  z.object({ expiresIn: z.number(), jti: z.string().optional() }),
  z.object({ reason: z.string() }),
]);
export type AssetTokenOut = z.infer<typeof AssetTokenOut>;

/** Written, or skipped with the reason (the family keeps the binding in the org only). */
const WriteBackOut = z.union([
  z.object({ assetId: z.string().min(1), withToken: z.boolean() }),
  z.object({ reason: z.string() }),
]);

/** `from`: where the binding was read back (absent = the device). */
const ReadBackOut = z.object({ assetId: z.string().min(1), from: z.enum(['device', 'org']).optional() });

/** Every provisioning step's output schema, by step name. */
export const PROVISION_OUTPUTS = {
  identify: IdentifyOut,
  keygen: KeygenOut,
  csr: CsrOut,
  'proof-of-possession': ProofOfPossessionOut,
  policy: PolicyOut,
  sign: SignOut,
  'upsert-asset': UpsertAssetOut,
  'install-cert': InstallCertOut,
  'asset-token': AssetTokenOut,
  'write-back': WriteBackOut,
  'read-back': ReadBackOut,
} as const satisfies Record<ProvisionStepName, z.ZodType>;

/** The output type of each provisioning step. */
export type ProvisionOutputs = { [K in ProvisionStepName]: z.infer<(typeof PROVISION_OUTPUTS)[K]> };
