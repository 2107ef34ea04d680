/**
 * Device drivers: one interface ({@link DeviceDriver}) over every device family, a registry that
 * probes a port and picks the family. See docs/drivers.md.
 */
export type * from './types';
export {
  FAMILIES,
  familyCapabilities,
  openDriver,
  type DriverOpenOptions,
  type FamilyEntry,
} from './registry';
export { As1Driver, AS1_CAPABILITIES, probeAs1 } from './as1';
export { Nrf91Driver, NRF91_CAPABILITIES, DEFAULT_SEC_TAG, IMEI_UID_PREFIX, probeNrf91 } from './nrf91';
