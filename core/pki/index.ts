/**
 * Station PKI: CSR intake (parse + verify + policy), proof of possession, the certificate profile and
 * the station CA with its issued-certificates index. See docs/pki.md.
 */
export * from './types';
export { parseCsr, MAX_CSR_BYTES, sha256Hex } from './csr';
export { parseCsrOnce, CSR_CACHE_ENTRIES } from './csr-cache';
export { checkCsrPolicy, DEFAULT_CSR_POLICY } from './policy';
export {
  createChallenge,
  verifyProofOfPossession,
  popAlgorithmFor,
  spkiFromCertificate,
  CHALLENGE_BYTES,
  type PopAlgorithm,
} from './pop';
export {
  StationCa,
  summarise,
  CRL_VALIDITY_DAYS,
  type CaInitOptions,
  type CaLoadOptions,
  type IssueOptions,
  type RevokeOptions,
  type RevokeOutcome,
} from './ca';
export { normaliseSerial } from './cert-info';
export { REVOCATION_REASONS, checkReason, type StoredCrl } from './revocation';
export {
  CERTIFICATE_STATUS_FIELD,
  CERTIFICATE_STATUS_REVOKED,
  flushOrgFlags,
  pendingFlagsError,
  pendingOrgFlags,
  type OrgFlagOutcome,
  type OrgFlagPort,
  type PendingOrgFlag,
} from './org-flags';
export { serveCrl, type CrlServer } from './crl-server';
export { Pkcs11Signer, type Pkcs11KeyRef, type Pkcs11KeyAttributes } from './pkcs11-signer';
export { TOKEN_PIN_ENV, TOKEN_PIN_SECRET, type TokenRef } from './pkcs11-token';
export { resolveTokenPin } from './ca-init';
export { type CaImportFiles } from './ca-import';
export {
  DEFAULT_CERT_PROFILE,
  SUBJECT_ORDER,
  resolveProfile,
  csrExpectationFor,
  sanUriFor,
  subjectFor,
  parseSubjectTemplate,
  formatSubjectTemplate,
} from './profile';
export { FileKeySigner, CA_PASSPHRASE_ENV, type CaAlgorithm } from './signer';
export { type ChainVerdict } from './chain-verify';
export { caDir, describeSigner, saveSubjectTemplate, type CaMeta } from './ca-store';
export { warmUpPki, WARM_UP_UID, type WarmUpReport } from './warm-up';
