/**
 * Device families (core/device/drivers) in people's words: a short badge for a bay tile and a title
 * for the bay's details, the CLI and the demo summary — one source, so every face names a family alike.
 */
import type { DeviceIdentity } from './domain';

/** A family id as DeviceIdentity carries it (absent = protocol v1, `as1`). */
export type DeviceFamilyId = NonNullable<DeviceIdentity['family']>;

/** Badge (a few characters, fits a tile) and title (full words) of each family. */
export const DEVICE_FAMILY_WORDS: Record<DeviceFamilyId, { badge: string; title: string }> = {
  as1: { badge: 'v1', title: 'protocol v1 firmware' },
  nrf91: { badge: 'nRF91', title: 'Nordic nRF91 modem (AT commands)' },
};

/** The words of `family` (absent → protocol v1). */
export function deviceFamilyWords(family: DeviceFamilyId | undefined): { badge: string; title: string } {
  return DEVICE_FAMILY_WORDS[family ?? 'as1'];
}
