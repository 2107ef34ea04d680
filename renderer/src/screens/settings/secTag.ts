/**
 * The nRF91 sec tag field of the Settings form: the text a technician typed, checked with the same
 * schema the station uses (shared/domain.ts `device.nrf91SecTag`: a whole number 0–2147483647; larger
 * values are reserved for the modem, Nordic %CMNG — docs/nrf91.md), so the form and the station agree.
 */
import { StationConfig } from '../../../../shared/domain';

/** The station's default sec tag (core/device/drivers/nrf91 DEFAULT_SEC_TAG), shown when none is set. */
export const DEFAULT_SEC_TAG_TEXT = '2024';

const schema = StationConfig.shape.device.shape.nrf91SecTag;

/** The sec tag as the form shows it. */
export function formatSecTag(c: StationConfig): string {
  return c.device.nrf91SecTag === undefined ? DEFAULT_SEC_TAG_TEXT : String(c.device.nrf91SecTag);
}

/** Parses the field: the number, or what is wrong in the user's words. */
export function parseSecTag(text: string): { value: number } | { error: string } {
  const t = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t))
    return { error: 'The nRF91 sec tag is a whole number from 0 to 2147483647.' };
  const r = schema.safeParse(Number(t));
  if (!r.success || r.data === undefined)
    return {
      error: `The nRF91 sec tag is out of range: ${r.error?.issues[0]?.message ?? 'use 0 to 2147483647'}.`,
    };
  return { value: r.data };
}
