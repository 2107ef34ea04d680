/*
 * CRC-32/ISO-HDLC (the zlib / Ethernet CRC; docs/device-protocol.md §3.2): reflected polynomial
 * 0xEDB88320, init and xorout 0xFFFFFFFF. A 16-entry (nibble) table keeps it to 64 bytes of flash.
 * Check value (CRC catalogue, https://reveng.sourceforge.io/crc-catalogue/17plus.htm#crc.cat.crc-32-iso-hdlc):
 * CRC-32 of ASCII "123456789" is 0xCBF43926.
 */
#include "as_codec.h"

static const uint32_t NIBBLE[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t as_crc32_update(uint32_t crc, const uint8_t *data, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    crc ^= data[i];
    crc = (crc >> 4) ^ NIBBLE[crc & 0x0Fu];
    crc = (crc >> 4) ^ NIBBLE[crc & 0x0Fu];
  }
  return crc;
}

uint32_t as_crc32_final(uint32_t crc) { return crc ^ 0xFFFFFFFFu; }

uint32_t as_crc32(const uint8_t *data, size_t len) {
  return as_crc32_final(as_crc32_update(AS_CRC32_INIT, data, len));
}
