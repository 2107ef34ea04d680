/**
 * A {@link CaSigner} whose issuing key lives in an HSM, over PKCS#11 (pkcs11js). The private key is
 * generated inside the token as a token object that is private, sensitive and never extractable
 * (PKCS#11 v2.40 §4.9: CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE=true, CKA_EXTRACTABLE=false), so no one
 * — not this station either — can read it out; the station only asks the token to sign.
 *
 * Signatures: ECDSA hashes the TBS here (SHA-256 for P-256, SHA-384 for P-384) and signs the digest with
 * CKM_ECDSA, which returns raw r‖s (PKCS#11 v2.40 current mechanisms §2.3.1; SoftHSM 2.6 lacks
 * CKM_ECDSA_SHA256); the signer DER-encodes it as ECDSA-Sig-Value (RFC 3279 §2.2.3). RSA signs with
 * CKM_SHA256_RSA_PKCS (PKCS#1 v1.5 with SHA-256, RFC 8017 §8.2).
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { ecdsaSigFromRaw } from './der';
import {
  TOKEN_LOST,
  TokenSession,
  ckrName,
  reinitialiseModule,
  tokenError,
  type Handle,
  type TokenRef,
} from './pkcs11-token';
import {
  CURVES,
  b64u,
  ecSpki,
  findPrivateKeys,
  findPublicKey,
  generateKeyPair,
  readKeyAttributes,
  type KeySelector,
  type Pkcs11KeyAttributes,
} from './pkcs11-keys';
import type { CaAlgorithm } from './signer';
import type { CaSigner } from './types';

/** Which key on which token: module, token label, and the key's label and/or CKA_ID (hex). */
export interface Pkcs11KeyRef extends TokenRef, KeySelector {}
export type { Pkcs11KeyAttributes };

const keyName = (r: Pkcs11KeyRef) =>
  [r.keyLabel ? `labelled '${r.keyLabel}'` : '', r.keyId ? `with id ${r.keyId}` : '']
    .filter(Boolean)
    .join(' ');

/** The HSM-backed issuing CA signer. Open with {@link Pkcs11Signer.open} or {@link Pkcs11Signer.generate}. */
export class Pkcs11Signer implements CaSigner {
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** RSA signature length in bytes (the modulus length), 0 for ECDSA. */
  private readonly rsaBytes: number;

  private constructor(
    readonly ref: Pkcs11KeyRef & { keyId: string },
    private readonly pin: string,
    private session: TokenSession,
    private key: Handle,
    readonly publicKeySpki: Uint8Array,
    readonly signatureAlgorithm: CaSigner['signatureAlgorithm'],
    /** Curve size in bytes for ECDSA (each of r and s), 0 for RSA. */
    private readonly ecBytes: number,
  ) {
    this.rsaBytes = ecBytes
      ? 0
      : (crypto.createPublicKey({ key: Buffer.from(publicKeySpki), format: 'der', type: 'spki' })
          .asymmetricKeyDetails!.modulusLength! +
          7) >>
        3;
    this.description = `PKCS#11 key ${ref.keyLabel ? `'${ref.keyLabel}' ` : ''}(id ${ref.keyId}) on token '${ref.token}' (${ref.module})`;
  }

  /**
   * Opens an existing private key on the token and reads its public key.
   * @throws StationError CA_SIGNER_UNAVAILABLE (module, token, no such key, several keys match),
   *   CA_PASSPHRASE (PIN), CA_KEY_UNPROTECTED (the key is extractable or not sensitive).
   */
  static async open(ref: Pkcs11KeyRef, pin: string): Promise<Pkcs11Signer> {
    const session = await TokenSession.open(ref, pin);
    try {
      return Pkcs11Signer.bind(ref, pin, session);
    } catch (e) {
      session.close();
      throw e instanceof StationError ? e : tokenError(e, ref, 'reading the CA key');
    }
  }

  /** True when the token holds a private key matching `ref` (label and/or id). */
  static async exists(ref: Pkcs11KeyRef, pin: string): Promise<boolean> {
    const session = await TokenSession.open(ref, pin);
    try {
      return findPrivateKeys(session, ref).length > 0;
    } finally {
      session.close();
    }
  }

  /**
   * Generates the issuing key pair INSIDE the token (token objects; private key sensitive, never
   * extractable, sign only) and opens it. CKA_ID defaults to 8 random bytes.
   * @throws StationError as {@link Pkcs11Signer.open}; CA_SIGNER_UNAVAILABLE when the token refuses the
   *   key type (e.g. RSA-3072 on a token limited to 2048 bits).
   */
  static async generate(ref: Pkcs11KeyRef, pin: string, algorithm: CaAlgorithm): Promise<Pkcs11Signer> {
    const keyId = ref.keyId ?? crypto.randomBytes(8).toString('hex');
    const session = await TokenSession.open(ref, pin, { readWrite: true });
    const label = ref.keyLabel ?? 'asset-station-ca';
    try {
      generateKeyPair(session, { label, keyId }, algorithm);
      return Pkcs11Signer.bind({ ...ref, keyLabel: label, keyId }, pin, session);
    } catch (e) {
      session.close();
      throw e instanceof StationError ? e : tokenError(e, ref, `generating a ${algorithm} key`);
    }
  }

  private static bind(ref: Pkcs11KeyRef, pin: string, session: TokenSession): Pkcs11Signer {
    const { api } = session;
    const keys = findPrivateKeys(session, ref);
    if (keys.length === 0) {
      throw new StationError(
        'CA_SIGNER_UNAVAILABLE',
        `HSM token '${ref.token}' holds no private key ${keyName(ref) || '(no label or id given)'}.`,
        `Check the key label or id (pkcs11-tool --module ${ref.module} --login --list-objects --type privkey), or create the key with asset-station ca init --pkcs11.`,
      );
    }
    if (keys.length > 1) {
      throw new StationError(
        'CA_SIGNER_UNAVAILABLE',
        `HSM token '${ref.token}' holds ${keys.length} private keys ${keyName(ref)}; the station cannot tell which is the CA key.`,
        'Name the key by its id as well (--key-id HEX; pkcs11-tool --list-objects shows the ids).',
      );
    }
    const key = keys[0]!;
    const attrs = readKeyAttributes(session, key);
    if (attrs.extractable || !attrs.sensitive) {
      throw new StationError(
        'CA_KEY_UNPROTECTED',
        `The key ${keyName(ref)} on HSM token '${ref.token}' can be exported from the token (${attrs.extractable ? 'CKA_EXTRACTABLE is true' : 'CKA_SENSITIVE is false'}); the station refuses a CA key that can leave the HSM.`,
        'Generate a new key inside the token (asset-station ca init --pkcs11 … with a new --key-label), or mark this one sensitive and non-extractable.',
      );
    }
    const [idRaw, keyType] = session.attributes(key, [api.CKA_ID, api.CKA_KEY_TYPE]);
    const keyId = idRaw?.toString('hex') ?? ref.keyId ?? '';
    const type = keyType ? keyType.readUInt32LE(0) : -1;
    let spki: Uint8Array;
    let sigAlg: CaSigner['signatureAlgorithm'];
    let ecBytes = 0;
    if (type === api.CKK_EC) {
      const pub = findPublicKey(session, keyId, ref.keyLabel);
      const [params, point] = pub
        ? session.attributes(pub, [api.CKA_EC_PARAMS, api.CKA_EC_POINT])
        : [undefined, undefined];
      const curve = params ? CURVES[params.toString('hex')] : undefined;
      if (!pub || !point || !curve) {
        throw new StationError(
          'CA_SIGNER_UNAVAILABLE',
          `The EC key ${keyName(ref)} on HSM token '${ref.token}' has ${!pub ? 'no matching public key object' : 'an unsupported curve (P-256 and P-384 are supported)'}.`,
          'Generate the CA key with asset-station ca init --pkcs11 (it creates both halves), or with pkcs11-tool --keypairgen --key-type EC:prime256v1.',
        );
      }
      spki = ecSpki(point, curve);
      ecBytes = curve.bytes;
      sigAlg = curve.crv === 'P-256' ? 'ecdsa-with-SHA256' : 'ecdsa-with-SHA384';
    } else if (type === api.CKK_RSA) {
      const [n, e] = session.attributes(key, [api.CKA_MODULUS, api.CKA_PUBLIC_EXPONENT]);
      if (!n || !e) throw new Error('CKR_ATTRIBUTE_TYPE_INVALID');
      if (n.length * 8 < 2048) {
        throw new StationError(
          'CA_IMPORT_INVALID',
          `The RSA key ${keyName(ref)} on HSM token '${ref.token}' has ${n.length * 8} bits; a CA key needs at least 2048.`,
          'Generate an RSA-2048/3072 or P-256 CA key in the token.',
        );
      }
      spki = new Uint8Array(
        crypto
          .createPublicKey({ key: { kty: 'RSA', n: b64u(n), e: b64u(e) }, format: 'jwk' })
          .export({ format: 'der', type: 'spki' }),
      );
      sigAlg = 'sha256WithRSAEncryption';
    } else {
      throw new StationError(
        'CA_SIGNER_UNAVAILABLE',
        `The key ${keyName(ref)} on HSM token '${ref.token}' is neither EC nor RSA.`,
        'Use an EC P-256/P-384 or RSA-2048/3072 key.',
      );
    }
    return new Pkcs11Signer({ ...ref, keyId }, pin, session, key, spki, sigAlg, ecBytes);
  }

  /** The token's security attributes of the private key (what `pkcs11-tool --list-objects` shows). */
  keyAttributes(): Pkcs11KeyAttributes {
    return readKeyAttributes(this.session, this.key);
  }

  /**
   * Signs the TBS in the token. Calls are serialised (one operation per session). When the token went
   * away, the signer reconnects once (same module, token label and key id, and the same public key);
   * if that fails the call throws and nothing was signed.
   * @throws StationError CA_SIGNER_UNAVAILABLE (token removed or refusing), CA_PASSPHRASE (PIN changed).
   */
  sign(tbs: Uint8Array): Promise<Uint8Array> {
    const run = this.queue.then(() => this.signNow(tbs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async signNow(tbs: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new Error('the PKCS#11 signer is closed');
    try {
      return await this.signOnce(tbs);
    } catch (e) {
      const ckr = ckrName(e);
      if (!ckr || !TOKEN_LOST.has(ckr)) throw tokenError(e, this.ref, 'signing');
      await this.reconnect(e);
      try {
        return await this.signOnce(tbs);
      } catch (again) {
        throw tokenError(again, this.ref, 'signing');
      }
    }
  }

  private async signOnce(tbs: Uint8Array): Promise<Uint8Array> {
    const { api, lib, session } = this.session;
    if (this.ecBytes) {
      const digest = crypto
        .createHash(this.ecBytes === 32 ? 'sha256' : 'sha384')
        .update(tbs)
        .digest();
      lib.C_SignInit(session, { mechanism: api.CKM_ECDSA }, this.key);
      const raw = await lib.C_SignAsync(session, digest, Buffer.alloc(this.ecBytes * 2));
      return ecdsaSigFromRaw(new Uint8Array(raw));
    }
    lib.C_SignInit(session, { mechanism: api.CKM_SHA256_RSA_PKCS }, this.key);
    return new Uint8Array(await lib.C_SignAsync(session, Buffer.from(tbs), Buffer.alloc(this.rsaBytes)));
  }

  private async reconnect(cause: unknown): Promise<void> {
    this.session.close();
    reinitialiseModuleSafe(this.ref.module);
    let fresh: Pkcs11Signer;
    try {
      fresh = await Pkcs11Signer.open(this.ref, this.pin);
    } catch (e) {
      const lost = tokenError(cause, this.ref, 'signing');
      const why = e instanceof StationError ? e.message : String(e);
      throw new StationError(
        'CA_SIGNER_UNAVAILABLE',
        `${lost.message} Reconnecting failed: ${why}`,
        lost.remedy,
        lost.details,
      );
    }
    if (Buffer.compare(Buffer.from(fresh.publicKeySpki), Buffer.from(this.publicKeySpki)) !== 0) {
      fresh.close();
      throw new StationError(
        'CA_SIGNER_UNAVAILABLE',
        `The HSM token now labelled '${this.ref.token}' holds a different key under id ${this.ref.keyId}: it is not the token the station CA was set up with.`,
        'Reconnect the original HSM token.',
      );
    }
    this.session = fresh.session;
    this.key = fresh.key;
  }

  /** Closes the token session. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }
}

function reinitialiseModuleSafe(module: string): void {
  try {
    reinitialiseModule(module);
  } catch {
    // the module stays unusable; the reopen that follows reports why
  }
}
