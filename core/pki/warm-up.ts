/**
 * PKI warm-up at station start (issue 18): the first job on a freshly started station paid for V8
 * compiling and Node lazily loading the CSR reader, the proof-of-possession check, the certificate
 * builder and the X.509 parser (a cold single device cost ~2× a warm one). {@link warmUpPki} runs each of
 * them once, off any job, on throw-away material: a CSR of each device key type the station expects
 * (ECDSA P-256 and RSA-2048, made once with keys whose private halves were discarded) with a proof of
 * possession over a fixed challenge, and one certificate signed by an ephemeral P-256 key made here —
 * never by the station CA's key, and nothing is written anywhere (no index row, no journal, no audit).
 */
import crypto from 'node:crypto';
import { signDeviceCertificate } from './ca-issue';
import { parseCsr } from './csr';
import { encodeName } from './names';
import { checkCsrPolicy } from './policy';
import { verifyProofOfPossession, type PopAlgorithm } from './pop';
import { DEFAULT_CERT_PROFILE, csrExpectationFor } from './profile';
import { FileKeySigner } from './signer';

/** The device UID the throw-away CSRs are made for (CN and SAN URI `urn:dev:uid:WARM-UP-0000`). */
export const WARM_UP_UID = 'WARM-UP-0000';

/** The challenge the throw-away proofs of possession sign: 32 bytes of 0x5a. */
const CHALLENGE = new Uint8Array(32).fill(0x5a);

/** Throw-away CSRs (DER, base64) and their PoP signatures over {@link CHALLENGE}, one per device key type. */
const SAMPLES: ReadonlyArray<{ alg: PopAlgorithm; csr: string; pop: string }> = [
  {
    alg: 'ES256',
    csr:
      'MIIBCDCBrwIBADAXMRUwEwYDVQQDDAxXQVJNLVVQLTAwMDAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASe9+pVMZYY' +
      'ZTqnHX0ZshVUdD4nr8mrpNLAWcaXUIr8twHm79PLtwcSG2HLVf287pcnivBYT8vtVK0ioEmYchuEoDYwNAYJKoZIhvcN' +
      'AQkOMScwJTAjBgNVHREEHDAahhh1cm46ZGV2OnVpZDpXQVJNLVVQLTAwMDAwCgYIKoZIzj0EAwIDSAAwRQIgHGVNUZ15' +
      'QaAixu747rA7SHzVCbhiWEoltZ6Bq3cR+14CIQCBMz0Hqp0YE+bZ3M/xzrZ4EUo0KKGml5BE6hKbmEXkhQ==',
    pop: 'kAhXcXD6jKOoH4ZBqswsr4UYO/oF2iBpBjSn/7aqCeMss/exWnG0Y8CfzniJHtwv7HcAPfWm4Oj8dbOJDQkrbQ==',
  },
  {
    alg: 'RS256',
    csr:
      'MIICkjCCAXoCAQAwFzEVMBMGA1UEAwwMV0FSTS1VUC0wMDAwMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' +
      'lpu+M7LGAWE+XPd1mg+lhsxUtJhfdS54ZpD73YPzPV5YssNd3peor13LpYCObH9/JdlTBPMnzMQ9VL/F1hE19ffma51M' +
      'AzMyWh/Ft86krL1K3SXVP2szY4ZVgTmeRdm6AvL61yu44NkVT+Z9OddueC3AQ5mF15lYhgqf5IXCaf9H5YtChx8W5T23' +
      '8IDpz+j1iClmh5BZ0o8fyjhu6URIPEUh2yT9+S2n8Vtv1E6eY2A5tXouaTikATW9LPAuaftljRd4R5cgp2cDB4jV0qJS' +
      'ploxykj36O44sB639DE25YEa8QL8OYmkIS6tC5z6YoyUBlI8Tr4jBqpaUIY2qZwrtQIDAQABoDYwNAYJKoZIhvcNAQkO' +
      'MScwJTAjBgNVHREEHDAahhh1cm46ZGV2OnVpZDpXQVJNLVVQLTAwMDAwDQYJKoZIhvcNAQELBQADggEBACrbeRAJWgnq' +
      '8c1c/J7rx2PIEfuvAWyS2aMiO/4lKxEAstdOC7jRU3Pj0TXOpDOzAAp8yIEoxuZWLwJ8L+8H0OLhRv5SzJQXmht6BR27' +
      'szEchSILqNR7Sfy9bDiGUZ67prcw6WaT+j3va3yBoOZkXq05D9iQU786tAydK8HTPv+QY6KqySwvM/kSaLRTkswrHP2+' +
      'xBiQk/nuRr0nQw75iefqrzGlHc1YN5zpWZjkCAODxKkgK+fLLwS5XZv3hfcS0bsmWO2Zj3a4YXgtAXDs4qT4i9gMRwBa' +
      'Xg5HBAgFb5iaz/9gTWm+S44SI5eTEsY0OUfEjlzS3SExNRmvta0KFNk=',
    pop:
      'j3F7FE0mV7RFm6FAItmWKcKCVmdN6cekrjLyPQVkomYypygl8gUw7FZW8bBtnro9GN0nHLVFHcNZxZ6x2RlkQtVlH0SB' +
      'EjtqrgGT7dcftoTOX2v0IYMJAbFYwtLxJNmsmE91/WXvFoewXu+GZqcNX6kNSjOlYlBUzEvfcn4NUBG8ANEUR1QAYyaA' +
      'hPFt1mafsz4UVQnZuBgYtrSrjDNtVHeY54mUwPwjoaY4En7bUIRdyKg2x64B9tinfznQkbRRyG+GcCL2WNuvv2zDaPZJ' +
      'TZU0htaHASkXmvFEZyrrjCwd/ane5ZMOG4ROOac6H2Q+SxyGnjXes45Rl6OvXSs0Qw==',
  },
];

/** What a warm-up exercised. */
export interface WarmUpReport {
  /** Throw-away CSRs parsed, verified and checked against the policy. */
  csrs: number;
  /** Proofs of possession verified. */
  proofs: number;
  /** Throw-away certificates built, signed by the ephemeral key and self-checked. */
  certificates: number;
}

/**
 * Runs the PKI code paths of a provisioning job once on throw-away material (see the module note).
 * Nothing is stored; the station CA key is not used. Callers run it in the background and ignore its
 * failure (a failed warm-up only means the first job is slower).
 * @throws StationError when a throw-away sample no longer passes (a change in the CSR or PoP checks).
 */
export async function warmUpPki(): Promise<WarmUpReport> {
  const report: WarmUpReport = { csrs: 0, proofs: 0, certificates: 0 };
  const expected = csrExpectationFor(DEFAULT_CERT_PROFILE, WARM_UP_UID, ['ECDSA-P256', 'RSA-2048']);
  const csrs = [];
  for (const s of SAMPLES) {
    const csr = await parseCsr(Buffer.from(s.csr, 'base64'));
    checkCsrPolicy(csr, expected);
    report.csrs++;
    verifyProofOfPossession(csr.publicKeySpki, CHALLENGE, Buffer.from(s.pop, 'base64'), s.alg);
    report.proofs++;
    csrs.push(csr);
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = new Date();
  await signDeviceCertificate({
    csr: csrs[0]!,
    deviceUid: WARM_UP_UID,
    profile: DEFAULT_CERT_PROFILE,
    now,
    signer: new FileKeySigner(privateKey, 'warm-up (ephemeral key)'),
    issuing: {
      nameDer: encodeName([['CN', 'Asset Station warm-up (throw-away)']]),
      notAfterMs: now.getTime() + 60_000,
      fingerprint: 'warm-up',
      publicKey,
    },
    reprovision: false,
  });
  report.certificates++;
  return report;
}
