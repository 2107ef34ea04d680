/**
 * The stand-ins the CLI may start on their own (`asset-station sim device`, `sim nrf91`, `sim org`):
 * the device simulator, the nRF91 modem simulator and the Salesforce org emulator. The CLI reaches sim/ only through dev/. Also the bridge
 * from a running simulator to the station: {@link simTransports}.
 */
import { streamFactory, type TransportFactories } from '../core/device';
import type { DeviceSimulator } from '../sim/device/index';

export { startDeviceSimulator, type DeviceFaults, type DeviceSimulator } from '../sim/device/index';
export { findSocat } from '../sim/device/ports';
export { pregenerateKeys } from '../sim/device/crypto';
export { startOrgEmulator, type OrgEmulator } from '../sim/org/index';
export { startModemSimulator, type ModemFaults, type ModemSimulator } from '../sim/nrf91/index';

/**
 * The transports that reach the in-process devices of `sims` (`sim:<uid>` locators; the first simulator
 * that knows the name answers, e.g. the device simulator then the modem simulator): pass them to
 * core/wiring.ts `realServices({ transports })` or core/device `openDevice(locator, opts, transports)`.
 * A PTY simulator's devices need none (their locators are `serial:`).
 */
export function simTransports(...sims: Array<Pick<DeviceSimulator, 'endpoint'>>): TransportFactories {
  return { sim: streamFactory((name) => sims.map((s) => s.endpoint(name)).find((e) => e !== undefined)) };
}
