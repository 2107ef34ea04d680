/**
 * The stand-ins the CLI may start on their own (`asset-station sim device`, `sim nrf91`, `sim org`):
 * the device simulator, the nRF91 modem simulator and the Salesforce org emulator. The CLI reaches sim/ only through dev/. Also the bridge
 * from a running simulator to the station: {@link simTransports}.
 */
import { streamFactory, type TransportFactories } from '../core/device';
import type { DeviceSimulator } from '../sim/device/index';

export { startDeviceSimulator, type DeviceFaults, type DeviceSimulator } from '../sim/device/index';
export { findSocat } from '../sim/device/ports';
export { startOrgEmulator, type OrgEmulator } from '../sim/org/index';
export { startModemSimulator, type ModemFaults, type ModemSimulator } from '../sim/nrf91/index';

/**
 * The transports that reach `sim`'s in-process devices (`sim:<uid>` locators): pass them to
 * core/wiring.ts `realServices({ transports })` or core/device `openDevice(locator, opts, transports)`.
 * A PTY simulator's devices need none (their locators are `serial:`).
 */
export function simTransports(sim: Pick<DeviceSimulator, 'endpoint'>): TransportFactories {
  return { sim: streamFactory((uid) => sim.endpoint(uid)) };
}
