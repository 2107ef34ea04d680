/**
 * Device link entry point: `openDevice(locator)` gives a {@link DeviceClient} speaking protocol v1
 * (docs/device-protocol.md) over serial, TCP (ser2net/Moxa) or an injected in-process byte stream
 * (`sim:`, see ./transports/stream.ts).
 */
import { parseLocator } from './locator';
import { DeviceLink } from './link';
import { ProtocolClient } from './client';
import { openSerial } from './transports/serial';
import { openTcp } from './transports/tcp';
import { simNotFound } from './transports/stream';
import type { ParsedLocator, Transport, TransportFactories, TransportFactory } from './transport';
import type { DeviceClient, OpenOptions } from './types';
import { openDriver, type DriverOpenOptions } from './drivers/registry';
import type { DeviceDriver } from './drivers/types';

export type {
  DeviceClient,
  OpenOptions,
  AssetBinding,
  CallOptions,
  KeygenResult,
  SignatureAlgorithm,
} from './types';
export type { Transport, TransportFactories, TransportFactory } from './transport';
export type { DeviceDriver, DeviceFamily, DriverCapabilities } from './drivers/types';
export type { DriverOpenOptions } from './drivers/registry';
export { familyCapabilities } from './drivers/registry';
export { parseLocator } from './locator';
export { DeviceLink } from './link';
export { ProtocolClient } from './client';
export { streamFactory, streamTransport } from './transports/stream';

/** Default serial speed (bit/s). */
export const DEFAULT_BAUD = 115200;

/** The transports core/device opens by itself. */
const BUILT_IN: TransportFactories = {
  serial: (locator, p, opts) =>
    openSerial(locator, p.path, {
      baudRate: opts.baudRate ?? DEFAULT_BAUD,
      lineControl: opts.lineControl ?? 'keep-low',
    }),
  tcp: (locator, p, opts) => openTcp(locator, p.host, p.port, opts.timeoutMs ?? 5000),
};

/**
 * Opens the transport for `locator` (no protocol traffic yet) with the factory of its kind:
 * `transports` first, then the built-in serial and tcp ones.
 * @throws StationError BAD_REQUEST (bad locator), DEVICE_PORT_NOT_FOUND (also: a `sim:` locator with
 *   no injected factory), DEVICE_PORT_PERMISSION, DEVICE_PORT_BUSY
 */
export async function openTransport(
  locator: string,
  opts: OpenOptions = {},
  transports: TransportFactories = {},
): Promise<Transport> {
  const p = parseLocator(locator);
  const factory = (transports[p.kind] ?? BUILT_IN[p.kind]) as
    TransportFactory<ParsedLocator['kind']> | undefined;
  if (!factory) throw simNotFound(locator, p.kind === 'sim' ? p.name : locator);
  return factory(locator, p as never, opts);
}

/**
 * Opens a device through the driver registry (core/device/drivers): probes the families in order
 * (protocol v1, then nRF91 AT) on fresh opens of `locator` and returns the driver that answered.
 * @throws StationError as {@link openTransport}, DEVICE_BOOTLOADER, DEVICE_TIMEOUT (no family answered)
 */
export function openDeviceDriver(
  locator: string,
  opts: DriverOpenOptions = {},
  transports: TransportFactories = {},
): Promise<DeviceDriver> {
  return openDriver(locator, () => openTransport(locator, opts, transports), opts);
}

/** Like {@link openDevice} but returns the concrete client (link access for conformance and bench). */
export async function openProtocolClient(
  locator: string,
  opts: OpenOptions = {},
  transports: TransportFactories = {},
): Promise<ProtocolClient> {
  const t = await openTransport(locator, opts, transports);
  const link = new DeviceLink(t, opts.baudRate ?? DEFAULT_BAUD, opts.onDeviceLog);
  if (opts.commandCeilingsMs) link.ceilingsMs = opts.commandCeilingsMs;
  return new ProtocolClient(link);
}

/**
 * Opens a device. The client sends HELLO lazily (on `hello()` or before the first other command);
 * call `openDevice` again on the same locator after a reset (DEVICE_PORT_VANISHED).
 * Line control defaults to `keep-low` (never resets ESP-style boards).
 * @throws StationError as {@link openTransport}
 */
export function openDevice(
  locator: string,
  opts: OpenOptions = {},
  transports: TransportFactories = {},
): Promise<DeviceClient> {
  return openProtocolClient(locator, opts, transports);
}
