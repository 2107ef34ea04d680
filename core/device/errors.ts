/**
 * Mapping of OS and device errors to StationErrors with a remedy (docs/device-protocol.md §7,
 * docs/operations.md for the udev rule). One place so every transport says the same thing.
 */
import { StationError } from '../../shared/errors';
import { DEVICE_ERRORS, deviceErrorName, type CommandName } from '../../shared/protocol';

/** The udev rule remedy for serial permission problems on Linux. */
export const SERIAL_PERMISSION_REMEDY =
  'Add your user to the dialout group (`sudo usermod -aG dialout $USER`, then log out and in) or install ' +
  'the udev rule build/udev/99-asset-station.rules (MODE="0660", GROUP="dialout") and replug the device.';

/**
 * Maps an error from opening a port (serialport / net / fs) to a StationError.
 * Recognises errno codes and the messages serialport's bindings produce (`Error: No such file or
 * directory, cannot open /dev/ttyUSB0`, `Error Resource temporarily unavailable Cannot lock port`).
 */
export function mapOpenError(locator: string, e: unknown): StationError {
  if (e instanceof StationError) return e;
  const err = e as NodeJS.ErrnoException;
  const msg = String(err?.message ?? e);
  const code = err?.code ?? '';
  if (code === 'EACCES' || code === 'EPERM' || /permission denied/i.test(msg))
    return new StationError(
      'DEVICE_PORT_PERMISSION',
      `Permission denied opening ${locator}.`,
      SERIAL_PERMISSION_REMEDY,
      { os: msg },
    );
  if (code === 'EBUSY' || /cannot lock port|resource temporarily unavailable|busy/i.test(msg))
    return new StationError(
      'DEVICE_PORT_BUSY',
      `${locator} is in use by another program (or another bay).`,
      'Close serial monitors (idf.py monitor, screen, minicom, Arduino IDE) or the other station using the port, then retry.',
      { os: msg },
    );
  if (
    code === 'ENOENT' ||
    code === 'ENODEV' ||
    code === 'ENXIO' ||
    /no such file|not found|cannot open/i.test(msg)
  )
    return new StationError(
      'DEVICE_PORT_NOT_FOUND',
      `No device at ${locator}.`,
      'Check the cable and that the device is powered, and that the port name is spelled right; `asset-station ports` lists the serial ports this computer sees (simulated devices are not among them: `sim device` prints their ports).',
      { os: msg },
    );
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENOTFOUND' || code === 'ETIMEDOUT')
    return new StationError(
      'DEVICE_PORT_NOT_FOUND',
      `Cannot connect to the device server at ${locator} (${code}).`,
      'Check the device server (ser2net/Moxa) address, port and network, and that its port is enabled.',
      { os: msg },
    );
  return new StationError(
    'DEVICE_PORT_NOT_FOUND',
    `Cannot open ${locator}: ${msg}.`,
    'Check the locator and the device connection, then retry.',
    {
      os: msg,
    },
  );
}

/** The port went away while open. */
export function vanished(locator: string, why: string): StationError {
  return new StationError(
    'DEVICE_PORT_VANISHED',
    `The device at ${locator} disconnected (${why}).`,
    'The device was unplugged or reset: check the cable and power, and plug it back in.',
  );
}

/** Maps an ERR response of the device to a StationError. */
export function mapDeviceError(cmd: CommandName, code: number, text: string): StationError {
  const name = deviceErrorName(code);
  const details = { command: cmd, deviceCode: code, deviceError: name, deviceText: text };
  const what = `The device refused ${cmd}: ${name}${text ? ` (${text})` : ''}.`;
  switch (code) {
    case DEVICE_ERRORS.LOCKED:
      return new StationError(
        'DEVICE_LOCKED',
        what,
        'The device is locked for production; a locked device cannot get a new key. Use an unlocked device or skip this step.',
        details,
      );
    case DEVICE_ERRORS.KEY_MISMATCH:
    case DEVICE_ERRORS.BAD_CERT:
      return new StationError(
        'CERT_INSTALL_REFUSED',
        what,
        'The certificate does not match the key on this device: re-run the job from key generation on the same device.',
        details,
      );
    case DEVICE_ERRORS.UNKNOWN_COMMAND:
    case DEVICE_ERRORS.BAD_REQUEST:
    case DEVICE_ERRORS.SEQUENCE:
    case DEVICE_ERRORS.TOO_LARGE:
      return new StationError(
        'DEVICE_PROTOCOL',
        what,
        'The device firmware does not implement protocol v1 as the station expects: update the firmware or run `asset-station conformance` against it.',
        details,
      );
    default:
      return new StationError(
        'DEVICE_REFUSED',
        what,
        'Check the device state with `asset-station info`, then retry; if it persists, power-cycle the device.',
        details,
      );
  }
}

/** A protocol violation by the device. */
export function protocolError(
  locator: string,
  what: string,
  details?: Record<string, unknown>,
): StationError {
  return new StationError(
    'DEVICE_PROTOCOL',
    `The device at ${locator} sent something protocol v1 does not allow: ${what}.`,
    'Check that the port is the device (not a console/debug port) and that its firmware speaks protocol v1; run `asset-station conformance --port` on it.',
    details,
  );
}
