/*
 * A minimal Cortex-M4 "firmware" around the SDK core, for the footprint figures of
 * docs/device-sdk.md: the ports are stubs over memory-mapped registers (nothing real), so the
 * linker keeps exactly the core and what it needs. maxFrame 512; the message buffer holds the
 * largest request the conformance suite sends at that frame size (CHUNK-1: 4 × 512 data bytes).
 * Build: make footprint (arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb).
 */
#include "as_device.h"

#ifndef FOOTPRINT_MSG
#define FOOTPRINT_MSG 2560u
#endif

#define UART_DATA (*(volatile uint32_t *)0x40002000u)
#define UART_STATUS (*(volatile uint32_t *)0x40002004u)
#define TICKS (*(volatile uint32_t *)0xE000E018u)

static uint8_t line_buf[512];
static uint8_t msg_buf[FOOTPRINT_MSG];
static as_dev dev;

static size_t uart_read(void *ctx, uint8_t *buf, size_t cap) {
  size_t n = 0;
  (void)ctx;
  while (n < cap && (UART_STATUS & 1u)) buf[n++] = (uint8_t)UART_DATA;
  return n;
}
static void uart_write(void *ctx, const uint8_t *data, size_t len) {
  (void)ctx;
  while (len--) UART_DATA = *data++;
}
static uint32_t now_ms(void *ctx) {
  (void)ctx;
  return TICKS;
}
static int st_read(void *ctx, as_item item, uint8_t slot, uint8_t *buf, size_t cap, size_t *len) {
  (void)ctx, (void)item, (void)slot, (void)buf, (void)cap;
  *len = 0;
  return AS_OK;
}
static int st_write(void *ctx, as_item item, uint8_t slot, const uint8_t *data, size_t len) {
  (void)ctx, (void)item, (void)slot, (void)data, (void)len;
  return AS_OK;
}
static int k_info(void *ctx, uint8_t slot, uint8_t *alg) {
  (void)ctx, (void)slot, (void)alg;
  return AS_E_NO_KEY;
}
static int k_generate(void *ctx, as_dev *d, uint8_t slot, uint8_t alg) {
  (void)ctx, (void)slot, (void)alg;
  as_progress(d, 50);
  return AS_E_INTERNAL;
}
static int k_public(void *ctx, uint8_t slot, uint8_t *out, size_t cap, size_t *len) {
  (void)ctx, (void)slot, (void)out, (void)cap, (void)len;
  return AS_E_NO_KEY;
}
static int k_sign(void *ctx, as_dev *d, uint8_t slot, const uint8_t *data, size_t n, const uint8_t hash[32],
                  uint8_t *sig, size_t cap, size_t *len) {
  (void)ctx, (void)d, (void)slot, (void)data, (void)n, (void)hash, (void)sig, (void)cap, (void)len;
  return AS_E_NO_KEY;
}

static const as_ports ports = {{0, uart_read, uart_write}, {0, now_ms}, {0, st_read, st_write},
                               {0, k_info, k_generate, k_public, k_sign}};
static const as_identity identity = {"NRF52840", "F0E1D2C3B4A5", "1.0.0", {AS_ALG_ECDSA_P256, 0, 0}, 1, 1, 0, 0};

int main(void) {
  if (as_dev_init(&dev, &identity, &ports, line_buf, sizeof line_buf, msg_buf, sizeof msg_buf) != AS_OK)
    return 1;
  for (;;) as_dev_poll(&dev);
}
