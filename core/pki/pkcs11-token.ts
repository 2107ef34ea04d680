/**
 * PKCS#11 plumbing for the HSM signer, over pkcs11js (PeculiarVentures, a thin N-API binding of the
 * Cryptoki C API; docs/pki.md §7): load a module once per process, find a token by label, open a
 * logged-in session, and turn every CKR_* failure into a {@link StationError} that says what happened
 * and what to do, in an operator's words.
 *
 * Codes: CA_SIGNER_UNAVAILABLE (module, token or key cannot be reached, or the token went away),
 * CA_PASSPHRASE (no PIN, wrong PIN, locked PIN). Return values: PKCS#11 v2.40 base spec §5.1
 * (https://docs.oasis-open.org/pkcs11/pkcs11-base/v2.40/os/pkcs11-base-v2.40-os.html).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type * as Pkcs11js from 'pkcs11js';
import { StationError } from '../../shared/errors';

/** Environment variable with the token's user PIN for unattended stations (overrides the vault). */
export const TOKEN_PIN_ENV = 'ASSET_STATION_TOKEN_PIN';
/** SecretStore entry holding the token's user PIN. */
export const TOKEN_PIN_SECRET = 'ca.tokenPin';

/** The pkcs11js module (constants and the PKCS11 class). */
export type Pkcs11Api = typeof Pkcs11js;
/** A PKCS#11 object, session or slot handle. */
export type Handle = Buffer;

/** Where the CA key lives: a PKCS#11 module file and the label of a token it serves. */
export interface TokenRef {
  /** Path of the vendor's PKCS#11 library, e.g. `/usr/lib/softhsm/libsofthsm2.so`. */
  module: string;
  /** Token label (CKA_LABEL of the token, trailing blanks ignored). */
  token: string;
}

interface LoadedModule {
  api: Pkcs11Api;
  lib: Pkcs11js.PKCS11;
  refs: number;
  /**
   * Tokens this process is logged in to: the login state is per application, not per session
   * (PKCS#11 v2.40 §5.6), so a second C_Login answers CKR_USER_ALREADY_LOGGED_IN without checking the
   * PIN. The SHA-256 of the PIN that logged in lets a later open with another PIN be refused.
   */
  logins: Map<string, { pinHash: string; sessions: number }>;
}

const pinHash = (pin: string) => crypto.createHash('sha256').update(pin, 'utf8').digest('hex');

/** One initialised library per module path: Cryptoki state is per process, shared by every handle. */
const loaded = new Map<string, LoadedModule>();

const unavailable = (message: string, remedy: string, details?: Record<string, unknown>) =>
  new StationError('CA_SIGNER_UNAVAILABLE', message, remedy, details);

/** The CKR_* name of a pkcs11js error, or undefined for other errors. */
export function ckrName(e: unknown): string | undefined {
  const m = /\b(CKR_[A-Z_]+)\b/.exec(e instanceof Error ? e.message : String(e));
  return m?.[1];
}

/**
 * Return values meaning the token (or the session to it) is gone: removed, powered off, or reset
 * under us. Object and session handles are then stale (SoftHSM reports a deleted token as
 * CKR_OBJECT_HANDLE_INVALID on the next use, and CKR_GENERAL_ERROR on token queries).
 */
export const TOKEN_LOST = new Set([
  'CKR_DEVICE_REMOVED',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_TOKEN_NOT_RECOGNIZED',
  'CKR_DEVICE_ERROR',
  'CKR_GENERAL_ERROR',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_KEY_HANDLE_INVALID',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_CRYPTOKI_NOT_INITIALIZED',
]);

/**
 * Maps a PKCS#11 failure during `operation` (e.g. `signing`, `logging in`) to a user error.
 * PIN problems → CA_PASSPHRASE; everything else → CA_SIGNER_UNAVAILABLE.
 */
export function tokenError(e: unknown, ref: TokenRef, operation: string): StationError {
  if (e instanceof StationError) return e;
  const ckr = ckrName(e);
  const where = `HSM token '${ref.token}' (${ref.module})`;
  switch (ckr) {
    case 'CKR_PIN_INCORRECT':
      return new StationError(
        'CA_PASSPHRASE',
        `The PIN for ${where} is wrong.`,
        `Set the token's user PIN in ${TOKEN_PIN_ENV}, or store it with asset-station ca pin. Do not retry blindly: the token locks itself after a few wrong PINs.`,
        { pin: 'incorrect' },
      );
    case 'CKR_PIN_LOCKED':
      return new StationError(
        'CA_PASSPHRASE',
        `The user PIN of ${where} is locked after too many wrong attempts, so the token will not sign.`,
        `Have the token's security officer unblock it and set a new user PIN (for example pkcs11-tool --module ${ref.module} --login --login-type so --init-pin), then store the new PIN with asset-station ca pin.`,
        { pin: 'locked' },
      );
    case 'CKR_PIN_EXPIRED':
      return new StationError(
        'CA_PASSPHRASE',
        `The user PIN of ${where} has expired.`,
        `Change the PIN with the HSM vendor's tool (for example pkcs11-tool --module ${ref.module} --login --change-pin), then store it with asset-station ca pin.`,
        { pin: 'expired' },
      );
    case 'CKR_PIN_LEN_RANGE':
      return new StationError(
        'CA_PASSPHRASE',
        `The PIN given for ${where} has a length the token does not accept.`,
        `Check the PIN in ${TOKEN_PIN_ENV} or in the station vault (asset-station ca pin).`,
        { pin: 'length' },
      );
  }
  if (ckr && TOKEN_LOST.has(ckr)) {
    return unavailable(
      `${where} stopped answering while ${operation} (${ckr}): it was removed, lost power, or was reset. Nothing was signed.`,
      'Reconnect the HSM token (same label, same key), then resume the job; certificates already issued are unaffected.',
      { ckr },
    );
  }
  return unavailable(
    `${where} refused ${operation}: ${ckr ?? (e instanceof Error ? e.message : String(e))}.`,
    "Check the token with the HSM vendor's tool (pkcs11-tool --module MODULE --list-slots), then retry.",
    ckr ? { ckr } : undefined,
  );
}

/**
 * Loads and initialises a PKCS#11 module (once per path per process; reference counted).
 * @throws StationError CA_SIGNER_UNAVAILABLE when the file is missing or is not a PKCS#11 library.
 */
export async function acquireModule(modulePath: string): Promise<LoadedModule> {
  const have = loaded.get(modulePath);
  if (have) {
    have.refs++;
    return have;
  }
  if (!fs.existsSync(modulePath)) {
    throw unavailable(
      `The PKCS#11 module ${modulePath} does not exist.`,
      "Install the HSM vendor's PKCS#11 library and give its full path (for SoftHSM: apt-get install softhsm2, module /usr/lib/softhsm/libsofthsm2.so).",
    );
  }
  let api: Pkcs11Api;
  try {
    api = ((await import('pkcs11js')) as unknown as { default: Pkcs11Api }).default;
  } catch {
    // pkcs11js is an optional dependency (it compiles with node-gyp): absent where no compiler was.
    throw unavailable(
      'HSM support is not installed on this station (the pkcs11js module could not be loaded).',
      'Install a C/C++ build toolchain (Debian: apt-get install g++ make python3), then run npm ci again.',
    );
  }
  const lib = new api.PKCS11();
  try {
    lib.load(modulePath);
  } catch (e) {
    throw unavailable(
      `${modulePath} cannot be loaded as a PKCS#11 module: ${(e as Error).message.split('\n')[0]}.`,
      "Give the path of the HSM vendor's PKCS#11 library (a .so file built for this machine).",
    );
  }
  try {
    lib.C_Initialize();
  } catch (e) {
    if (ckrName(e) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      throw unavailable(
        `The PKCS#11 module ${modulePath} failed to start (${ckrName(e) ?? (e as Error).message}).`,
        "Check the HSM's configuration (for SoftHSM: SOFTHSM2_CONF and its token folder) and that the HSM is connected.",
      );
    }
  }
  const m: LoadedModule = { api, lib, refs: 1, logins: new Map() };
  loaded.set(modulePath, m);
  return m;
}

/** Drops one reference; the last one finalises the library. */
export function releaseModule(modulePath: string): void {
  const m = loaded.get(modulePath);
  if (!m) return;
  if (--m.refs > 0) return;
  loaded.delete(modulePath);
  m.logins.clear();
  try {
    m.lib.C_Finalize();
  } catch {
    // already finalised or the device is gone: nothing left to release
  }
}

/**
 * Finalises and re-initialises a module so that it scans its slots again: many v2.x modules only see a
 * re-inserted token after C_Initialize. Every session of this process on the module becomes invalid.
 */
export function reinitialiseModule(modulePath: string): void {
  const m = loaded.get(modulePath);
  if (!m) return;
  m.logins.clear();
  try {
    m.lib.C_Finalize();
  } catch {
    // the module may already consider itself finalised
  }
  m.lib.C_Initialize();
}

function listTokens(m: LoadedModule, ref: TokenRef): { labels: string[]; slot: Handle | undefined } {
  const labels: string[] = [];
  let slot: Handle | undefined;
  try {
    for (const s of m.lib.C_GetSlotList(true)) {
      const label = m.lib.C_GetTokenInfo(s).label.trimEnd();
      labels.push(label);
      if (label === ref.token && !slot) slot = s;
    }
  } catch (e) {
    throw tokenError(e, ref, 'listing its tokens');
  }
  return { labels, slot };
}

/**
 * The slot holding the token labelled `ref.token`. Many modules list only the tokens present at
 * C_Initialize, so when it is missing and nobody else in this process uses the module, the module is
 * re-initialised once to look again (a token plugged in after the station started).
 * @throws StationError CA_SIGNER_UNAVAILABLE naming the tokens present.
 */
function findSlot(m: LoadedModule, ref: TokenRef): Handle {
  let found = listTokens(m, ref);
  if (!found.slot && m.refs === 1) {
    reinitialiseModule(ref.module);
    found = listTokens(m, ref);
  }
  const { labels, slot } = found;
  if (!slot) {
    throw unavailable(
      `No token labelled '${ref.token}' is present in ${ref.module}${labels.length ? ` (tokens present: ${labels.map((l) => `'${l}'`).join(', ')})` : ' (no token is present)'}.`,
      `Connect the HSM token, or check its label (pkcs11-tool --module ${ref.module} --list-token-slots).`,
      { tokensPresent: labels },
    );
  }
  return slot;
}

/** A logged-in session on a token. */
export class TokenSession {
  private closed = false;

  private constructor(
    readonly ref: TokenRef,
    readonly api: Pkcs11Api,
    readonly lib: Pkcs11js.PKCS11,
    readonly session: Handle,
    private readonly module: LoadedModule,
  ) {}

  /**
   * Finds the token `ref.token` in `ref.module`, opens a session and logs the user in with `pin`.
   * @throws StationError CA_SIGNER_UNAVAILABLE (module, token), CA_PASSPHRASE (wrong or locked PIN).
   */
  static async open(ref: TokenRef, pin: string, opts: { readWrite?: boolean } = {}): Promise<TokenSession> {
    const m = await acquireModule(ref.module);
    try {
      const slot = findSlot(m, ref);
      return TokenSession.openOn(m, ref, slot, pin, opts.readWrite ?? false);
    } catch (e) {
      releaseModule(ref.module);
      throw e;
    }
  }

  private static openOn(
    m: LoadedModule,
    ref: TokenRef,
    slot: Handle,
    pin: string,
    readWrite: boolean,
  ): TokenSession {
    const { api, lib } = m;
    const info = lib.C_GetTokenInfo(slot);
    if (info.flags & api.CKF_USER_PIN_LOCKED)
      throw tokenError(new Error('CKR_PIN_LOCKED'), ref, 'logging in');
    const flags = api.CKF_SERIAL_SESSION | (readWrite ? api.CKF_RW_SESSION : 0);
    let session: Handle;
    try {
      session = lib.C_OpenSession(slot, flags);
    } catch (e) {
      throw tokenError(e, ref, 'opening a session');
    }
    const login = m.logins.get(ref.token);
    try {
      lib.C_Login(session, api.CKU_USER, pin);
      m.logins.set(ref.token, { pinHash: pinHash(pin), sessions: (login?.sessions ?? 0) + 1 });
    } catch (e) {
      const already = ckrName(e) === 'CKR_USER_ALREADY_LOGGED_IN';
      if (!already || (login && login.pinHash !== pinHash(pin))) {
        lib.C_CloseSession(session);
        throw tokenError(already ? new Error('CKR_PIN_INCORRECT') : e, ref, 'logging in');
      }
      if (login) login.sessions++;
    }
    return new TokenSession(ref, api, lib, session, m);
  }

  /** Handles of the objects matching `template` (at most `max`). */
  find(template: Pkcs11js.Template, max = 16): Handle[] {
    this.lib.C_FindObjectsInit(this.session, template);
    try {
      return this.lib.C_FindObjects(this.session, max);
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
  }

  /** Raw values of attributes of an object, in the order asked (undefined when absent or unreadable). */
  attributes(obj: Handle, types: number[]): Array<Buffer | undefined> {
    return types.map((type) => {
      try {
        const [a] = this.lib.C_GetAttributeValue(this.session, obj, [{ type }]);
        return a?.value as Buffer | undefined;
      } catch (e) {
        const ckr = ckrName(e);
        if (ckr === 'CKR_ATTRIBUTE_SENSITIVE' || ckr === 'CKR_ATTRIBUTE_TYPE_INVALID') return undefined;
        throw e;
      }
    });
  }

  /** Closes the session (the token logs the user out when its last session closes) and the module. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.lib.C_CloseSession(this.session);
    } catch {
      // the token may already be gone
    }
    const login = this.module.logins.get(this.ref.token);
    if (login && --login.sessions <= 0) this.module.logins.delete(this.ref.token);
    releaseModule(this.ref.module);
  }
}
