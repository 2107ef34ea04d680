/**
 * Which device family each bay's device is (protocol v1 firmware, Nordic nRF91 modem), in words for
 * the CLI's summaries: `demo` says which family each device was and how each family fared.
 */
import type { Bay, Job } from '../shared/domain';
import { FAMILIES } from '../core/device/drivers/registry';

/** One device and its family (`family` as in DeviceIdentity; `title` in people's words). */
export interface DeviceFamilyLine {
  uid: string;
  family: string;
  title: string;
}

/** The family of each bay's device, in bay order (a device that did not identify is left out). */
export function deviceFamilies(bays: Bay[]): DeviceFamilyLine[] {
  return bays.flatMap((b) => {
    if (!b.device) return [];
    const family = b.device.family ?? 'as1';
    const title = FAMILIES.find((f) => f.family === family)?.title ?? family;
    return [{ uid: b.device.uid, family, title }];
  });
}

/** How many devices of each family (`{ as1: 4, nrf91: 1 }`). */
export function countByFamily(lines: DeviceFamilyLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.family] = (out[l.family] ?? 0) + 1;
  return out;
}

/**
 * One line for people: per family, provisioned/total (`by family: protocol v1 firmware 4/4, Nordic
 * nRF91 modem (AT commands) 1/1 provisioned`).
 */
export function familyLine(
  lines: DeviceFamilyLine[],
  outcomes: Array<{ deviceUid: string; job: Pick<Job, 'state'> }>,
): string {
  const parts = FAMILIES.flatMap((f) => {
    const mine = lines.filter((l) => l.family === f.family);
    if (!mine.length) return [];
    const ok = mine.filter(
      (l) => outcomes.find((o) => o.deviceUid === l.uid)?.job.state === 'succeeded',
    ).length;
    return [`${f.title} ${ok}/${mine.length}`];
  });
  return `by family: ${parts.join(', ')} provisioned`;
}
