/**
 * Serial port discovery through serialport's real `SerialPort.list()` (udev on Linux, SetupAPI on
 * Windows, IOKit on macOS). PTYs are not listed by the OS, so simulated devices are addressed by
 * locator instead.
 *
 * A bay follows a device by identity, not by path (docs/architecture.md, Transports): a USB serial
 * number (from the USB descriptor, {@link findPortBySerialNumber}) or the hardware UID the device
 * reports in HELLO ({@link findDeviceByUid}). After a reset a device may come back on another path
 * (/dev/ttyUSB0 → /dev/ttyUSB1, COM3 → COM4); these find it again.
 */
import { SerialPort } from 'serialport';
import { isStationError } from '../../shared/errors';
import type { SerialPortInfo } from '../../shared/domain';
import { openDevice } from './index';
import { groupPorts, type HiddenPort, type PortGroup } from './port-groups';
import type { OpenOptions } from './types';

/** Lists serial ports with USB VID/PID and serial number where the OS knows them. */
export async function listSerialPorts(): Promise<SerialPortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => ({
    path: p.path,
    locator: `serial:${p.path}`,
    ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
    ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    ...(p.vendorId ? { vendorId: p.vendorId } : {}),
    ...(p.productId ? { productId: p.productId } : {}),
  }));
}

/**
 * The OS port list grouped into physical adapters (one bay each; ./port-groups.ts), before any port is
 * opened. Bluetooth, macOS tty.* twins, debug-probe GDB ports and built-in UARTs are left out unless
 * `includeHidden`.
 */
export async function listPortGroups(
  opts: { includeHidden?: boolean } = {},
): Promise<{ groups: PortGroup[]; hidden: HiddenPort[] }> {
  return groupPorts(await SerialPort.list(), opts);
}

/**
 * The port whose USB serial number is `serialNumber` (case-insensitive), if attached.
 * @param list the port list (default: {@link listSerialPorts}); tests pass their own.
 */
export async function findPortBySerialNumber(
  serialNumber: string,
  list?: SerialPortInfo[],
): Promise<SerialPortInfo | undefined> {
  const ports = list ?? (await listSerialPorts());
  return ports.find((p) => p.serialNumber?.toLowerCase() === serialNumber.toLowerCase());
}

/** Outcome of probing one locator with HELLO. */
export interface ProbeResult {
  locator: string;
  uid?: string;
  model?: string;
  /** StationError code when the probe failed (busy, no answer, not a v1 device …). */
  error?: string;
}

/**
 * Sends HELLO to each locator (one at a time, each with `timeoutMs`, default 1500) and reports the
 * UID each one answers with. Ports in use by another bay give `DEVICE_PORT_BUSY` and are not touched.
 * Never throws for a port; every failure is in the result.
 */
export async function probeLocators(
  locators: string[],
  opts: OpenOptions & { timeoutMs?: number } = {},
): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const locator of locators) {
    try {
      const c = await openDevice(locator, opts);
      try {
        const id = await c.hello({ timeoutMs: opts.timeoutMs ?? 1500 });
        out.push({ locator, uid: id.uid, model: id.model });
      } finally {
        await c.close();
      }
    } catch (e) {
      out.push({ locator, error: isStationError(e) ? e.code : 'INTERNAL' });
    }
  }
  return out;
}

/**
 * Finds the locator of the device with hardware UID `uid` among `candidates` (default: every USB
 * serial port with a VID). Returns undefined when no candidate answers with that UID.
 */
export async function findDeviceByUid(
  uid: string,
  candidates?: string[],
  opts: OpenOptions & { timeoutMs?: number } = {},
): Promise<string | undefined> {
  const locators = candidates ?? (await listSerialPorts()).filter((p) => p.vendorId).map((p) => p.locator);
  for (const r of await probeLocators(locators, opts)) if (r.uid === uid) return r.locator;
  return undefined;
}
