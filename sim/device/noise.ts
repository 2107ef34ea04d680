/**
 * What an ESP32-class board prints on its UART around a reset: ROM output at 74880 baud (garbage
 * when read at 115200), the ROM boot banner, and application log lines. Used by the bootNoise and
 * logNoise fault switches.
 */

/** Garbage as seen at the wrong baud rate: random bytes, with a few `$` and a fake frame start. */
export function bootGarbage(): Uint8Array {
  const n = 64 + Math.floor(Math.random() * 96);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  out[Math.floor(n / 3)] = 0x24; // '$'
  const fake = Buffer.from('$AS1,00');
  out.set(fake.subarray(0, Math.min(fake.length, n - Math.floor(n / 2))), Math.floor(n / 2));
  return out;
}

/** ROM banner and app start lines (ESP-IDF style). */
export function bootBanner(uid: string, firmware: string): string {
  return [
    'ets Jul 29 2019 12:21:46',
    '',
    'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
    'configsip: 0, SPIWP:0xee',
    'mode:DIO, clock div:2',
    'load:0x3fff0030,len:7104',
    'entry 0x400805f0',
    `I (312) app: asset-station firmware ${firmware}, uid ${uid}`,
    'I (318) app: protocol v1 ready',
    '',
  ].join('\r\n');
}

let tick = 1000;
/** One application log line (with a `$` now and then, as real logs have). */
export function logLine(): string {
  tick += 17 + Math.floor(Math.random() * 50);
  const lines = [
    `I (${tick}) wifi: state: idle`,
    `W (${tick}) app: heap low water mark 41232 bytes`,
    `D (${tick}) nvs: price $5, key=cfg`,
    `I (${tick}) app: heartbeat`,
  ];
  return lines[Math.floor(Math.random() * lines.length)]!;
}
