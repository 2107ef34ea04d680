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
});
export type KeygenOut = z.infer<typeof KeygenOut>;

const CsrOut = z.object({ csr: Base64, keyFingerprint: Sha256Hex });

const ProofOfPossessionOut = z.object({ challenge: Base64, alg: z.enum(['ES256', 'RS256']) });

const PolicyOut = z.object({
  existingAssetId: z.string().optional(),
  reprovisioned: z.boolean().optional(),
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

const WriteBackOut = z.object({ assetId: z.string().min(1), withToken: z.boolean() });

const ReadBackOut = z.object({ assetId: z.string().min(1) });

/** Every provisioning step's output schema, by step name. */
export const PROVISION_OUTPUTS = {
  identify: IdentifyOut,
  keygen: KeygenOut,
  csr: CsrOut,
  'proof-of-possession': ProofOfPossessionOut,
  policy: PolicyOut,
  sign: SignOut,
  'install-cert': InstallCertOut,
  'upsert-asset': UpsertAssetOut,
  'asset-token': AssetTokenOut,
  'write-back': WriteBackOut,
  'read-back': ReadBackOut,
} as const satisfies Record<ProvisionStepName, z.ZodType>;

/** The output type of each provisioning step. */
export type ProvisionOutputs = { [K in ProvisionStepName]: z.infer<(typeof PROVISION_OUTPUTS)[K]> };
