/**
 * The station's local admin PIN: who may change settings, give a device a new identity (re-provision
 * override) and connect the station to its org with the station's own key (JWT bearer). The PIN is
 * kept only as a scrypt hash in the SecretStore (pin-hash.ts); every refusal is audited, and after
 * {@link MAX_WRONG_PINS} wrong PINs in a row the station accepts none for {@link LOCKOUT_MS}.
 */
import { StationError } from '../../shared/errors';
import { SECRET_NAMES, type SecretStore } from '../secrets';
import { hashPin, verifyPin } from './pin-hash';
import { assertMay, type Operator } from './roles';

/** Environment variable the CLI reads the admin PIN from for unattended use (never an argument). */
export const ADMIN_PIN_ENV = 'ASSET_STATION_ADMIN_PIN';
/** Environment variable with the new PIN for an unattended `asset-station admin pin` change. */
export const NEW_ADMIN_PIN_ENV = 'ASSET_STATION_NEW_ADMIN_PIN';
/** What a PIN must look like: 4 to 12 digits (a number pad at the bench). */
const ADMIN_PIN_PATTERN = /^\d{4,12}$/;
/** Wrong PINs in a row before the lockout. */
export const MAX_WRONG_PINS = 5;
/** How long the station refuses every PIN after {@link MAX_WRONG_PINS} wrong ones, ms. */
export const LOCKOUT_MS = 60_000;

/** The acts that need the admin PIN (they complete the sentence "… may <act>"). */
export type AdminAct =
  | 'change the station settings'
  | 're-provision a device'
  | 'connect the station to Salesforce with its own key'
  | 'change the admin PIN'
  | 'change the Account or work order of a job';

/** Who authorised an admin act: a signed-in administrator (by login), or the admin PIN (open bench). */
export type AdminAuthority = { by: 'role'; login: string } | { by: 'pin' };

/** The audit wording of an {@link AdminAuthority}: "administrator ada" or "the admin PIN". */
export function authorityText(a: AdminAuthority): string {
  return a.by === 'role' ? `administrator ${a.login}` : 'the admin PIN';
}

/** What the PIN service needs. */
export interface AdminPinDeps {
  secrets: SecretStore;
  /** Audits an admin event (`admin.pin.rejected`, `admin.pin.set`, `admin.pin.changed`). */
  audit(action: string, data: Record<string, unknown>): void;
  /** The clock, epoch ms (tests move it). */
  now?: () => number;
  /**
   * The operator signed in at the station (accounts.ts), if any: a signed-in admin acts without the PIN;
   * any other signed-in role is refused by role unless the admin PIN is entered.
   */
  signedIn?: () => Operator | undefined;
}

/** The admin PIN of one station. */
export class AdminPin {
  private wrongInARow = 0;
  private lockedUntil = 0;

  constructor(private readonly deps: AdminPinDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** True when a PIN has been set on this station. */
  async isSet(): Promise<boolean> {
    return Boolean(await this.deps.secrets.get(SECRET_NAMES.adminPinHash));
  }

  /**
   * Sets the PIN; changing an existing one needs the current PIN.
   * @throws StationError BAD_REQUEST (not 4 to 12 digits), UNAUTHORIZED (current PIN wrong or missing).
   */
  async set(pin: string, currentPin?: string): Promise<void> {
    if (!ADMIN_PIN_PATTERN.test(pin))
      throw new StationError(
        'BAD_REQUEST',
        'The admin PIN must be 4 to 12 digits.',
        'Choose a PIN of 4 to 12 digits.',
      );
    const change = await this.isSet();
    if (change) await this.require(currentPin, 'change the admin PIN');
    await this.deps.secrets.set(SECRET_NAMES.adminPinHash, await hashPin(pin));
    this.deps.audit(change ? 'admin.pin.changed' : 'admin.pin.set', {});
  }

  /**
   * Lets `act` go ahead only with the right PIN.
   * A signed-in admin (see {@link AdminPinDeps.signedIn}) needs no PIN; any other signed-in operator is
   * refused by role, PIN or not (the admin role replaces the PIN once operators sign in).
   * @returns who authorised the act (for the audit entry).
   * @throws StationError UNAUTHORIZED when a non-admin operator is signed in, no PIN is
   *   set, none was given, it is wrong, or too many
   *   wrong PINs came in a row (for {@link LOCKOUT_MS}).
   */
  async require(pin: string | undefined, act: AdminAct): Promise<AdminAuthority> {
    const who = this.deps.signedIn?.();
    if (who?.role === 'admin') {
      this.deps.audit('admin.act', { act, by: who.login });
      return { by: 'role', login: who.login };
    }
    if (who) {
      // A signed-in operator acts in their own role: the PIN does not make a technician an admin.
      this.deps.audit('admin.pin.rejected', { act, reason: `signed in as ${who.role}`, by: who.login });
      assertMay(who, act);
    }
    const stored = await this.deps.secrets.get(SECRET_NAMES.adminPinHash);
    if (!stored)
      throw new StationError(
        'UNAUTHORIZED',
        `Only an administrator may ${act}, and no admin PIN is set on this station.`,
        'An administrator sets one on the station computer with `asset-station admin pin`.',
      );
    if (this.now() < this.lockedUntil) {
      this.deps.audit('admin.pin.rejected', { act, reason: 'locked out' });
      throw new StationError(
        'UNAUTHORIZED',
        `Too many wrong admin PINs: the station accepts none for ${Math.ceil((this.lockedUntil - this.now()) / 1000)} s.`,
        'Wait, then enter the correct PIN; every wrong PIN is recorded in the audit log.',
      );
    }
    if (!pin)
      throw new StationError(
        'UNAUTHORIZED',
        `Only an administrator may ${act}: the admin PIN is needed.`,
        'Enter the station admin PIN, or ask the station administrator.',
      );
    const { ok, rehash } = await verifyPin(pin, stored);
    if (!ok) {
      this.wrongInARow++;
      if (this.wrongInARow >= MAX_WRONG_PINS) {
        this.wrongInARow = 0;
        this.lockedUntil = this.now() + LOCKOUT_MS;
      }
      this.deps.audit('admin.pin.rejected', { act });
      throw new StationError(
        'UNAUTHORIZED',
        'The admin PIN is not correct.',
        'Enter the station admin PIN, or ask the station administrator.',
      );
    }
    this.wrongInARow = 0;
    if (rehash) await this.deps.secrets.set(SECRET_NAMES.adminPinHash, await hashPin(pin));
    return { by: 'pin' };
  }
}
