/**
 * Test helpers around the openssl command line: an offline root made with openssl (the ceremony of
 * docs/pki.md "Common root"), signing a station CA CSR with it, `openssl verify -x509_strict` of a
 * device chain (optionally with a CRL), and the ASN.1 string types of a certificate's names.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodePem } from '../../../core/pki/pem';

/** The openssl configuration of the test root: the same sections docs/pki.md shows. */
export const ROOT_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
C = DE
O = Acme Devices
CN = Acme Offline Root CA
[root_ext]
basicConstraints = critical, CA:TRUE, pathlen:1
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[root0_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[issuing_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[no_pathlen_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', encoding: 'utf8' });

/** Writes DER as a PEM file in `dir`; returns its path. */
export function pemFile(dir: string, name: string, der: Uint8Array, label = 'CERTIFICATE'): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, encodePem(label, der));
  return p;
}

/** An offline root made with openssl (P-384, pathlen 1) in `dir`. */
export interface OfflineRoot {
  dir: string;
  cnf: string;
  key: string;
  cert: string;
  /** Signs a CSR with the root using extension section `ext` (default issuing_ext); returns the PEM path. */
  sign(csrPath: string, out: string, ext?: string): string;
}

/** Creates an offline root with openssl in `dir` (extension section `rootExt`, default pathlen 1). */
export function makeOfflineRoot(dir: string, cn = 'Acme Offline Root CA', rootExt = 'root_ext'): OfflineRoot {
  fs.mkdirSync(dir, { recursive: true });
  const cnf = path.join(dir, 'root.cnf');
  fs.writeFileSync(cnf, ROOT_CNF.replace('CN = Acme Offline Root CA', `CN = ${cn}`));
  const key = path.join(dir, 'root.key');
  const cert = path.join(dir, 'root.pem');
  run([
    'req',
    '-x509',
    '-config',
    cnf,
    '-extensions',
    rootExt,
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-384',
    '-noenc',
    '-keyout',
    key,
    '-days',
    '7300',
    '-sha384',
    '-out',
    cert,
  ]);
  return {
    dir,
    cnf,
    key,
    cert,
    sign(csrPath, out, ext = 'issuing_ext') {
      run([
        'x509',
        '-req',
        '-in',
        csrPath,
        '-CA',
        cert,
        '-CAkey',
        key,
        '-set_serial',
        `0x${Date.now().toString(16)}01`,
        '-days',
        '3650',
        '-sha384',
        '-extfile',
        cnf,
        '-extensions',
        ext,
        '-out',
        out,
      ]);
      return out;
    },
  };
}

/**
 * `openssl verify -x509_strict -purpose sslclient` of a leaf up to `rootPath`, with the issuing CA
 * (and intermediates) as untrusted (none: no `-untrusted`); with `crlPath`, also `-crl_check` against
 * that CRL.
 */
export function opensslVerify(
  dir: string,
  leaf: Uint8Array,
  untrusted: Uint8Array[],
  rootPath: string,
  crlPath?: string,
): { ok: boolean; out: string } {
  const leafPath = pemFile(dir, `leaf-${Math.random().toString(16).slice(2)}.pem`, leaf);
  const args = ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', rootPath];
  if (untrusted.length > 0) {
    const untrustedPath = path.join(dir, `untrusted-${Math.random().toString(16).slice(2)}.pem`);
    fs.writeFileSync(untrustedPath, untrusted.map((d) => encodePem('CERTIFICATE', d)).join(''));
    args.push('-untrusted', untrustedPath);
  }
  if (crlPath) args.push('-crl_check', '-CRLfile', crlPath);
  args.push(leafPath);
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0 && /: OK/.test(r.stdout), out: r.stdout + r.stderr };
}

/**
 * `openssl verify` of a chain as the station returns it: [leaf, issuing CA, root] (or [leaf, self-signed
 * issuing CA]); the last certificate is the trust anchor. PEM files are written in `dir`.
 */
export function opensslVerifyChain(dir: string, chain: Uint8Array[]): { ok: boolean; out: string } {
  const [leaf, ...cas] = chain;
  const anchor = cas.pop()!;
  return opensslVerify(dir, leaf!, cas, pemFile(dir, 'root.pem', anchor));
}

/**
 * Makes a P-256 key (unencrypted, at `keyPath`) and a CSR for it with `openssl req` (subject `subj` in
 * openssl's /A=b form, read as UTF-8); returns `out`, the CSR's PEM path. @throws when openssl fails.
 */
export function opensslEcCsr(keyPath: string, subj: string, out: string): string {
  run([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-noenc',
    '-keyout',
    keyPath,
    '-utf8',
    '-subj',
    subj,
    '-out',
    out,
  ]);
  return out;
}

/** `openssl crl -text -noout` of a CRL file. */
export function crlText(crlPath: string, der = false): string {
  return run(['crl', '-in', crlPath, ...(der ? ['-inform', 'DER'] : []), '-text', '-noout']);
}

/**
 * The (attribute, ASN.1 string type) pairs `openssl asn1parse` shows for a certificate's Names, e.g.
 * ['countryName', 'PRINTABLESTRING'].
 */
export function nameStringTypes(certPath: string): Array<[string, string]> {
  const lines = run(['asn1parse', '-in', certPath]).split('\n');
  const out: Array<[string, string]> = [];
  const attrs =
    /:(countryName|stateOrProvinceName|localityName|organizationName|organizationalUnitName|commonName|serialNumber)\s*$/;
  for (let i = 0; i + 1 < lines.length; i++) {
    const m = attrs.exec(lines[i]!);
    if (!m) continue;
    const t = /prim:\s+(\S+)/.exec(lines[i + 1]!);
    if (t) out.push([m[1]!, t[1]!]);
  }
  return out;
}
