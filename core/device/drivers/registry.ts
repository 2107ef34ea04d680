/**
 * The device families the station knows, in probe order (protocol v1 first: its HELLO is harmless to
 * an AT modem, which answers ERROR; then the nRF91 AT probe). Adding a family = one folder beside
 * as1/ and nrf91/ exporting a probe, plus one line in {@link FAMILIES} (docs/drivers.md).
 */
import { DEVICE_FAMILY_WORDS } from '../../../shared/device-families';
import { StationError } from '../../../shared/errors';
import type { Transport } from '../transport';
import type { OpenOptions } from '../types';
import { AS1_CAPABILITIES, probeAs1 } from './as1';
import { NRF91_CAPABILITIES, probeNrf91 } from './nrf91';
import type { DeviceDriver, DeviceFamily, DriverCapabilities } from './types';

/** Options of a driver open: the transport's plus the family to use without probing. */
export interface DriverOpenOptions extends OpenOptions {
  /** Skip probing: use this family (the bay already knows it). */
  family?: DeviceFamily;
  /** nRF91: the sec tag to provision (default DEFAULT_SEC_TAG). */
  secTag?: number;
  /** Per-family probe time, ms (default 1500). */
  probeMs?: number;
}

/** One registry entry. */
export interface FamilyEntry {
  family: DeviceFamily;
  /** Words for people. */
  title: string;
  /** What the family can do (the same object its drivers carry). */
  capabilities: DriverCapabilities;
  /** Recognises the family on an open line; undefined (and the transport closed) when it is not. */
  probe(t: Transport, opts: DriverOpenOptions): Promise<DeviceDriver | undefined>;
}

export const FAMILIES: FamilyEntry[] = [
  {
    family: 'as1',
    title: DEVICE_FAMILY_WORDS.as1.title,
    capabilities: AS1_CAPABILITIES,
    probe: (t, o) => probeAs1(t, o, o.probeMs),
  },
  {
    family: 'nrf91',
    title: DEVICE_FAMILY_WORDS.nrf91.title,
    capabilities: NRF91_CAPABILITIES,
    probe: (t, o) => probeNrf91(t, o, o.probeMs),
  },
];

/** What a family can do, by the `family` of a DeviceIdentity (absent = protocol v1). */
export function familyCapabilities(family: DeviceFamily | undefined): DriverCapabilities {
  return (FAMILIES.find((f) => f.family === (family ?? 'as1')) ?? FAMILIES[0]!).capabilities;
}

/**
 * Opens `locator` and picks its driver: each family in {@link FAMILIES} order probes a fresh
 * transport until one answers.
 * @throws StationError DEVICE_PORT_* (open), DEVICE_BOOTLOADER, DEVICE_TIMEOUT (no family answered)
 */
export async function openDriver(
  locator: string,
  open: () => Promise<Transport>,
  opts: DriverOpenOptions = {},
  families: FamilyEntry[] = FAMILIES,
): Promise<DeviceDriver> {
  const order = opts.family ? families.filter((f) => f.family === opts.family) : families;
  for (const f of order) {
    const d = await f.probe(await open(), opts);
    if (d) return d;
  }
  throw new StationError(
    'DEVICE_TIMEOUT',
    `No device answered on ${locator} (tried ${order.map((f) => f.title).join(', ')}).`,
    'Check that the device is powered and running its firmware (not the bootloader), that this is its data port, and the cable; then retry.',
    { families: order.map((f) => f.family) },
  );
}
