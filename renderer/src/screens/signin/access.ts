/**
 * Which screens each operator role sees. The window only hides what a role may not do; the core
 * refuses it anyway (core/operators/guard.ts), so this table is about a clear screen, not security.
 */
import { OPERATOR_ROLES } from '../../../../shared/api';

/** An operator role. */
export type Role = (typeof OPERATOR_ROLES)[number];

/** The screens of the shell. */
export type ScreenId = 'station' | 'verify' | 'onboard' | 'history' | 'settings' | 'lots';

/** The roles that see each screen (the admin sees every screen). */
export const SCREEN_ROLES: Record<ScreenId, readonly Role[]> = {
  station: ['technician', 'admin'],
  verify: ['qa', 'admin'],
  onboard: ['installer', 'admin'],
  history: OPERATOR_ROLES,
  settings: ['admin'],
  lots: ['qa', 'admin'],
};

/**
 * True when the screen is shown: to everyone on an open bench (no operator accounts, `role`
 * undefined), else to the roles in {@link SCREEN_ROLES}.
 */
export function screenVisible(screen: ScreenId, role: Role | undefined): boolean {
  return role === undefined || SCREEN_ROLES[screen].includes(role);
}

/** A role as people say it. */
export function roleName(role: Role): string {
  return { technician: 'Technician', qa: 'QA', installer: 'Installer', admin: 'Admin' }[role];
}
