/**
 * Station PKI: CSR intake (parse + verify + policy), proof of possession, the certificate profile and
 * the station CA with its issued-certificates index. See docs/pki.md.
 */
export * from './types';
export { parseCsr, MAX_CSR_BYTES, sha256Hex } from './csr';
export { checkCsrPolicy, DEFAULT_CSR_POLICY } from './policy';
export {
  createChallenge,
  verifyProofOfPossession,
  popAlgorithmFor,
  spkiFromCertificate,
  CHALLENGE_BYTES,
  type PopAlgorithm,
} from './pop';
export { StationCa, summarise, type CaInitOptions, type CaLoadOptions, type IssueOptions } from './ca';
export { type CaImportFiles } from './ca-import';
export { DEFAULT_CERT_PROFILE, resolveProfile, csrExpectationFor, sanUriFor, subjectFor } from './profile';
export { FileKeySigner, CA_PASSPHRASE_ENV, type CaAlgorithm } from './signer';
export { type ChainVerdict } from './chain-verify';
export { caDir } from './ca-store';
