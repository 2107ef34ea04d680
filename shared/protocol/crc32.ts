/**
 * CRC-32/ISO-HDLC (the zlib / Ethernet CRC: poly 0x04C11DB7 reflected = 0xEDB88320, init 0xFFFFFFFF,
 * xorout 0xFFFFFFFF). Check value for ASCII "123456789" is 0xCBF43926 (Koopman/Williams CRC catalogue).
 * Pure: no Node APIs. ESP-IDF devices can use the ROM routine `esp_rom_crc32_le(0, buf, len)` instead.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes[start, end)` as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 as 8 uppercase hex digits (the frame trailer form). */
export function crc32Hex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return crc32(bytes, start, end).toString(16).toUpperCase().padStart(8, '0');
}
