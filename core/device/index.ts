/**
 * Device link entry point: `openDevice(locator)` gives a {@link DeviceClient} speaking protocol v1
 * (docs/device-protocol.md) over serial, TCP (ser2net/Moxa) or an in-process simulated device.
 */
import { parseLocator } from './locator';
import { DeviceLink } from './link';
import { ProtocolClient } from './client';
import { openSerial } from './transports/serial';
import { openTcp } from './transports/tcp';
import { openSim } from './transports/in-process';
import type { Transport } from './transport';
import type { DeviceClient, OpenOptions } from './types';

export type {
  DeviceClient,
  OpenOptions,
  AssetBinding,
  CallOptions,
  KeygenResult,
  SignatureAlgorithm,
} from './types';
export { parseLocator } from './locator';
export { DeviceLink } from './link';
export { ProtocolClient } from './client';

/** Default serial speed (bit/s). */
export const DEFAULT_BAUD = 115200;

/**
 * Opens the transport for `locator` (no protocol traffic yet).
 * @throws StationError BAD_REQUEST (bad locator), DEVICE_PORT_NOT_FOUND, DEVICE_PORT_PERMISSION, DEVICE_PORT_BUSY
 */
export async function openTransport(locator: string, opts: OpenOptions = {}): Promise<Transport> {
  const p = parseLocator(locator);
  if (p.kind === 'serial')
    return openSerial(locator, p.path, {
      baudRate: opts.baudRate ?? DEFAULT_BAUD,
      lineControl: opts.lineControl ?? 'keep-low',
    });
  if (p.kind === 'tcp') return openTcp(locator, p.host, p.port, opts.timeoutMs ?? 5000);
  return openSim(locator, p.name);
}

/**
 * Opens a device. The client sends HELLO lazily (on `hello()` or before the first other command);
 * call `openDevice` again on the same locator after a reset (DEVICE_PORT_VANISHED).
 * Line control defaults to `keep-low` (never resets ESP-style boards).
 * @throws StationError as {@link openTransport}
 */
export async function openDevice(locator: string, opts: OpenOptions = {}): Promise<DeviceClient> {
  const t = await openTransport(locator, opts);
  return new ProtocolClient(new DeviceLink(t, opts.baudRate ?? DEFAULT_BAUD, opts.onDeviceLog));
}

/** Like {@link openDevice} but returns the concrete client (link access for conformance and bench). */
export async function openProtocolClient(locator: string, opts: OpenOptions = {}): Promise<ProtocolClient> {
  const t = await openTransport(locator, opts);
  return new ProtocolClient(new DeviceLink(t, opts.baudRate ?? DEFAULT_BAUD, opts.onDeviceLog));
}
