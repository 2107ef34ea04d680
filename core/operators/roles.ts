/**
 * Operator roles and the acts each may do. The station has four roles — `technician` (provisions at
 * the bench), `qa` (verifies lots and signs them off), `installer` (onboards a device to a customer in
 * the field) and `admin` (settings, re-provision, org connection, operator accounts) — and the core,
 * not the UI, decides: every guarded station method calls {@link assertMay} with the signed-in
 * operator before it acts.
 */
import { OPERATOR_ROLES } from '../../shared/api';
import { StationError } from '../../shared/errors';

/** The operator roles (defined with the API so the renderer shares them). */
export const ROLES = OPERATOR_ROLES;
/** One operator role. */
export type Role = (typeof ROLES)[number];

/** Who is at the station: a local account that signed in (see accounts.ts). */
export interface Operator {
  /** The account's login name (lower case, unique on the station); named by every job and audit entry. */
  login: string;
  /** The person's display name. */
  name: string;
  role: Role;
}

/**
 * Each guarded act (completing the sentence "… may <act>") and the roles allowed to do it. Admin acts
 * keep the meaning of the old single admin PIN: only an admin changes settings, re-provisions a device,
 * connects the org with the station's own key, or manages operator accounts.
 */
export const ACT_ROLES = {
  'provision a device': ['technician', 'admin'],
  're-provision a device': ['admin'],
  'change the Account or work order of a job': ['admin'],
  'change the station settings': ['admin'],
  'connect the station to Salesforce with its own key': ['admin'],
  'manage operator accounts': ['admin'],
  'change the admin PIN': ['admin'],
  'attach a device': ['technician', 'qa', 'installer', 'admin'],
  'verify a device': ['qa', 'admin'],
  'verify a QA lot': ['qa', 'admin'],
  'sign off a QA lot': ['qa', 'admin'],
  'onboard a device to a customer': ['installer', 'admin'],
  // finding the customer by name: onboarding, and a Retry that gives a job its Account (retry-inputs.ts)
  'look up a customer Account': ['technician', 'installer', 'admin'],
  'read the yield reports': ['technician', 'qa', 'installer', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
/** A guarded act. */
export type StationAct = keyof typeof ACT_ROLES;

/** True when `role` may do `act`. */
export function roleMay(role: Role, act: StationAct): boolean {
  return (ACT_ROLES[act] as readonly Role[]).includes(role);
}

/** A role's name as people say it ("a QA inspector"). */
export function roleLabel(role: Role): string {
  return {
    technician: 'a technician',
    qa: 'a QA inspector',
    installer: 'an installer',
    admin: 'an administrator',
  }[role];
}

/**
 * What to do when nobody is signed in: sign in, or, on a station without operator accounts yet, have
 * them created first (the first account must be an administrator).
 */
export const NO_ONE_SIGNED_IN_REMEDY =
  'Sign in at the station with your operator login and PIN (command line: set ASSET_STATION_OPERATOR). ' +
  'If the station has no operator accounts yet, create them first: Settings > Operator accounts, or ' +
  '`asset-station operator add <login> --role admin` (then `--role qa`, `technician` or `installer`; the PIN ' +
  'from ASSET_STATION_NEW_OPERATOR_PIN or typed twice).';

/**
 * Lets `act` go ahead only for a signed-in operator whose role allows it.
 * @throws StationError UNAUTHORIZED when nobody is signed in or the operator's role may not do `act`
 *   (the message names the roles that may).
 */
export function assertMay(operator: Operator | undefined, act: StationAct): asserts operator is Operator {
  const allowed = ACT_ROLES[act] as readonly Role[];
  const who = allowed.map(roleLabel).join(' or ');
  if (!operator)
    throw new StationError(
      'UNAUTHORIZED',
      `Nobody is signed in, and only ${who} may ${act}.`,
      NO_ONE_SIGNED_IN_REMEDY,
    );
  if (!allowed.includes(operator.role))
    throw new StationError(
      'UNAUTHORIZED',
      `${operator.name} is signed in as ${roleLabel(operator.role)}, and only ${who} may ${act}.`,
      `Ask ${allowed.includes('admin') && allowed.length === 1 ? 'the station administrator' : `${who}`} to do it, or to sign in.`,
    );
}
