/**
 * Recognises what a board prints when it resets or sits in its bootloader, in the non-frame output of
 * any family (docs/drivers.md, Serial robustness). A reset mid-command means the command's outcome is
 * unknown: the link fails it at once with DEVICE_RESET (the saga re-runs the step when the device
 * answers again) instead of waiting for a timeout. A bootloader waiting for a download never runs the
 * firmware: DEVICE_BOOTLOADER tells the technician to press reset.
 *
 * Sources of the banners: Espressif ROM output (`rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)`,
 * `waiting for download` after `boot:0x3 (DOWNLOAD_BOOT…)`, docs.espressif.com esptool "Boot Mode
 * Selection"); Zephyr/nRF Connect SDK (`*** Booting Zephyr OS build …`, `*** Booting nRF Connect SDK …`);
 * MCUboot (`Starting bootloader`); STM32/Arduino bootloaders are silent and are not recognised.
 */
import { StationError } from '../../shared/errors';

/** What a line of device output says about the board. */
export type BootSign = 'reset' | 'bootloader';

const BOOTLOADER: RegExp[] = [
  /waiting for download/i,
  /\bDOWNLOAD(_BOOT)?\(/,
  /\bboot:0x[0-9a-f]+ \((?:DOWNLOAD|UART_DOWNLOAD)/i,
  /serial recovery mode/i,
];
const RESET: RegExp[] = [
  /^ets [A-Z][a-z]{2} +\d+ \d{4}/, // ESP32 ROM: "ets Jun  8 2016 00:22:57"
  /\brst:0x[0-9a-f]+ \([A-Z_]+\)/i, // "rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"
  /^ESP-ROM:/,
  /^\*\*\* Booting (Zephyr OS|nRF Connect SDK)/,
  /^Starting bootloader/,
];

/** Classifies one line of device output (printable text, trimmed). */
export function bootSign(line: string): BootSign | undefined {
  if (BOOTLOADER.some((r) => r.test(line))) return 'bootloader';
  if (RESET.some((r) => r.test(line))) return 'reset';
  return undefined;
}

/** The error for a reset seen while `what` ran. */
export function resetError(locator: string, what: string, line: string): StationError {
  return new StationError(
    'DEVICE_RESET',
    `The device at ${locator} restarted while it was running ${what}.`,
    'Nothing to do: the station repeats the step once the device answers again. If it keeps restarting, check its power supply and cable.',
    { command: what, banner: line },
  );
}

/** The error for a board sitting in its bootloader. */
export function bootloaderError(locator: string, line: string): StationError {
  return new StationError(
    'DEVICE_BOOTLOADER',
    `The device at ${locator} is in its bootloader (download mode), not running its firmware.`,
    'The device is in its bootloader: press its reset button (release BOOT/IO0 first), then retry.',
    { banner: line },
  );
}
