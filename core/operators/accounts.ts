/**
 * Local operator accounts: a login, a display name, a role (roles.ts) and a PIN or password kept only
 * as a scrypt hash (pin-hash.ts, RFC 7914) — the whole list lives in the SecretStore, never in a plain
 * file. Only an admin adds, changes or disables accounts; the first account (on a station with none)
 * must be an admin. Every sign-in refusal is audited, and after {@link MAX_WRONG_SECRETS} wrong secrets
 * in a row for one login that login accepts none for {@link ACCOUNT_LOCKOUT_MS}.
 */
import { z } from 'zod';
import { StationError } from '../../shared/errors';
import type { SecretStore } from '../secrets';
import { hashPin, verifyPin } from './pin-hash';
import { assertMay, ROLES, type Operator, type Role } from './roles';

/** SecretStore name of the operator account list (JSON). */
export const OPERATOR_ACCOUNTS_SECRET = 'station.operatorAccounts';
/** Wrong PINs/passwords in a row for one login before its lockout. */
export const MAX_WRONG_SECRETS = 5;
/** How long a login accepts no PIN/password after {@link MAX_WRONG_SECRETS} wrong ones, ms. */
export const ACCOUNT_LOCKOUT_MS = 60_000;

/** A login: 2 to 32 lower-case letters, digits, dots, dashes or underscores. */
const LOGIN_PATTERN = /^[a-z0-9][a-z0-9._-]{1,31}$/;

const storedAccount = z.object({
  login: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  hash: z.string(),
  disabled: z.boolean().default(false),
});
const storedList = z.array(storedAccount);
type StoredAccount = z.infer<typeof storedAccount>;

/** An account as listed (no hash). */
export interface OperatorAccount extends Operator {
  disabled: boolean;
}

/** What a new account needs. */
export interface NewOperator {
  login: string;
  name: string;
  role: Role;
  /** A PIN of 4 to 12 digits, or a password of at least 10 characters. */
  secret: string;
}

/** What the account service needs. */
export interface OperatorAccountsDeps {
  secrets: SecretStore;
  /** Audits an operator event (`operator.added`, `operator.signin.rejected`, …); `by` names the actor. */
  audit(action: string, data: Record<string, unknown>): void;
  /** The clock, epoch ms (tests move it). */
  now?: () => number;
}

function badSecret(): StationError {
  return new StationError(
    'BAD_REQUEST',
    'A PIN must be 4 to 12 digits, and a password at least 10 characters.',
    'Choose a PIN of 4 to 12 digits or a longer password.',
  );
}

/** Checks the shape of a PIN or password. @throws StationError BAD_REQUEST. */
function checkSecret(secret: string): void {
  if (/^\d+$/.test(secret) ? !/^\d{4,12}$/.test(secret) : secret.length < 10 || secret.length > 128)
    throw badSecret();
}

function lastAdmin(login: string): StationError {
  return new StationError(
    'CONFLICT',
    `"${login}" is the last administrator on this station.`,
    'Make another operator an administrator first.',
  );
}

/** The local operator accounts of one station. */
export class OperatorAccounts {
  private readonly wrong = new Map<string, { inARow: number; lockedUntil: number }>();
  /** Whether the station has any account (cached; accounts change only through this service). */
  private any: boolean | undefined;

  constructor(private readonly deps: OperatorAccountsDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async load(): Promise<StoredAccount[]> {
    const raw = await this.deps.secrets.get(OPERATOR_ACCOUNTS_SECRET);
    if (!raw) return [];
    const parsed = storedList.safeParse(JSON.parse(raw));
    if (!parsed.success)
      throw new StationError(
        'CONFIG_INVALID',
        'The operator account list in the secret store cannot be read.',
        'An administrator restores the secret store from a backup, or re-creates the accounts.',
      );
    return parsed.data;
  }

  private async save(list: StoredAccount[]): Promise<void> {
    await this.deps.secrets.set(OPERATOR_ACCOUNTS_SECRET, JSON.stringify(list));
    this.any = list.length > 0;
  }

  /** True when the station has at least one operator account: from then on, operators must sign in. */
  async hasAny(): Promise<boolean> {
    return (this.any ??= (await this.load()).length > 0);
  }

  /** The accounts, without their hashes, in login order. */
  async list(): Promise<OperatorAccount[]> {
    return (await this.load())
      .map(({ login, name, role, disabled }) => ({ login, name, role, disabled }))
      .sort((a, b) => a.login.localeCompare(b.login));
  }

  /**
   * Adds an account. On a station with no accounts the first must be an admin and needs no actor;
   * afterwards `by` must be a signed-in admin.
   * @throws StationError BAD_REQUEST (login, name or secret malformed; first account not an admin),
   *   CONFLICT (login taken), UNAUTHORIZED (`by` missing or not an admin).
   */
  async add(account: NewOperator, by?: Operator): Promise<OperatorAccount> {
    const list = await this.load();
    if (list.length > 0) assertMay(by, 'manage operator accounts');
    else if (account.role !== 'admin')
      throw new StationError(
        'BAD_REQUEST',
        'The first operator account on a station must be an administrator.',
        'Create the administrator account first, then sign in as it to add the others.',
      );
    const login = account.login.trim().toLowerCase();
    if (!LOGIN_PATTERN.test(login))
      throw new StationError(
        'BAD_REQUEST',
        `"${account.login}" cannot be a login: use 2 to 32 letters, digits, dots, dashes or underscores.`,
        'Choose a login such as "j.smith".',
      );
    const name = account.name.trim();
    if (!name || name.length > 80)
      throw new StationError(
        'BAD_REQUEST',
        'The operator needs a name of 1 to 80 characters.',
        'Enter their name.',
      );
    checkSecret(account.secret);
    if (list.some((a) => a.login === login))
      throw new StationError('CONFLICT', `There is already an operator "${login}".`, 'Choose another login.');
    list.push({ login, name, role: account.role, hash: await hashPin(account.secret), disabled: false });
    await this.save(list);
    this.deps.audit('operator.added', { login, role: account.role, by: by?.login ?? null });
    return { login, name, role: account.role, disabled: false };
  }

  /**
   * Changes an account's role or disables/enables it; only an admin may, and the last enabled admin
   * cannot be demoted or disabled (the station would have no one to manage it).
   * @throws StationError UNAUTHORIZED, NOT_FOUND, CONFLICT (last admin).
   */
  async update(
    login: string,
    change: { role?: Role | undefined; disabled?: boolean | undefined },
    by: Operator | undefined,
  ): Promise<OperatorAccount> {
    assertMay(by, 'manage operator accounts');
    const list = await this.load();
    const acc = list.find((a) => a.login === login);
    if (!acc) throw new StationError('NOT_FOUND', `There is no operator "${login}".`, 'Check the login.');
    const next = { ...acc, role: change.role ?? acc.role, disabled: change.disabled ?? acc.disabled };
    const adminsLeft = list
      .map((a) => (a === acc ? next : a))
      .filter((a) => a.role === 'admin' && !a.disabled);
    if (adminsLeft.length === 0) throw lastAdmin(login);
    Object.assign(acc, next);
    await this.save(list);
    this.deps.audit('operator.changed', { login, role: acc.role, disabled: acc.disabled, by: by.login });
    return { login: acc.login, name: acc.name, role: acc.role, disabled: acc.disabled };
  }

  /**
   * Removes an account; only an admin may, and never the last enabled admin.
   * @throws StationError UNAUTHORIZED, NOT_FOUND, CONFLICT (last admin).
   */
  async remove(login: string, by: Operator | undefined): Promise<void> {
    assertMay(by, 'manage operator accounts');
    const list = await this.load();
    const acc = this.find(list, login);
    const rest = list.filter((a) => a !== acc);
    if (!rest.some((a) => a.role === 'admin' && !a.disabled)) throw lastAdmin(acc.login);
    await this.save(rest);
    this.wrong.delete(acc.login);
    this.deps.audit('operator.removed', { login: acc.login, role: acc.role, by: by.login });
  }

  /**
   * Sets a new PIN or password for an account (an admin, for a forgotten PIN); clears its lockout.
   * @throws StationError UNAUTHORIZED, NOT_FOUND, BAD_REQUEST (PIN/password malformed).
   */
  async setSecret(login: string, secret: string, by: Operator | undefined): Promise<void> {
    assertMay(by, 'manage operator accounts');
    checkSecret(secret);
    const list = await this.load();
    const acc = this.find(list, login);
    acc.hash = await hashPin(secret);
    await this.save(list);
    this.wrong.delete(acc.login);
    this.deps.audit('operator.secret.set', { login: acc.login, by: by.login });
  }

  private find(list: StoredAccount[], login: string): StoredAccount {
    const key = login.trim().toLowerCase();
    const acc = list.find((a) => a.login === key);
    if (!acc) throw new StationError('NOT_FOUND', `There is no operator "${key}".`, 'Check the login.');
    return acc;
  }

  /**
   * Checks a login and its PIN/password.
   * @returns the operator, to pass to every guarded station method.
   * @throws StationError UNAUTHORIZED when the login is unknown or disabled, the secret is wrong, or the
   *   login is locked out; the message does not say which of unknown login and wrong secret it was.
   */
  async signIn(login: string, secret: string): Promise<Operator> {
    const key = login.trim().toLowerCase();
    const state = this.wrong.get(key) ?? { inARow: 0, lockedUntil: 0 };
    if (this.now() < state.lockedUntil) {
      this.deps.audit('operator.signin.rejected', { login: key, reason: 'locked out' });
      throw new StationError(
        'UNAUTHORIZED',
        `Too many wrong PINs for "${key}": it can sign in again in ${Math.ceil((state.lockedUntil - this.now()) / 1000)} s.`,
        'Wait, then enter the correct PIN; every wrong PIN is recorded in the audit log.',
      );
    }
    const acc = (await this.load()).find((a) => a.login === key);
    // An unknown login still costs one scrypt run, so timing does not tell which logins exist.
    const { ok, rehash } = await verifyPin(secret, acc?.hash ?? (await hashPin('0000')));
    if (!acc || !ok || acc.disabled) {
      if (acc && !ok) {
        state.inARow++;
        if (state.inARow >= MAX_WRONG_SECRETS)
          Object.assign(state, { inARow: 0, lockedUntil: this.now() + ACCOUNT_LOCKOUT_MS });
        this.wrong.set(key, state);
      }
      this.deps.audit('operator.signin.rejected', {
        login: key,
        reason: acc?.disabled && ok ? 'disabled' : 'wrong login or PIN',
      });
      throw new StationError(
        'UNAUTHORIZED',
        acc?.disabled && ok ? `The operator "${key}" is disabled.` : 'The login or PIN is not correct.',
        'Check your login and PIN, or ask the station administrator.',
      );
    }
    this.wrong.delete(key);
    if (rehash) {
      const list = await this.load();
      const fresh = list.find((a) => a.login === key);
      if (fresh) fresh.hash = await hashPin(secret);
      await this.save(list);
    }
    this.deps.audit('operator.signin', { login: key, role: acc.role });
    return { login: acc.login, name: acc.name, role: acc.role };
  }
}
