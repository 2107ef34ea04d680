/**
 * Serial port discovery through serialport's real `SerialPort.list()` (udev on Linux, SetupAPI on
 * Windows, IOKit on macOS). PTYs are not listed by the OS, so simulated devices are addressed by
 * locator instead.
 */
import { SerialPort } from 'serialport';
import type { SerialPortInfo } from '../../../shared/domain';

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
