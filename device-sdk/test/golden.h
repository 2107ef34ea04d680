/* The golden vectors of docs/device-protocol.md §8, read from the document itself. */
#ifndef AS_GOLDEN_H
#define AS_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#define GOLDEN_MAX 32

typedef struct golden {
  char name[64];
  uint16_t id;
  char type[16];
  uint8_t body[1024];
  size_t body_len;
  char wire[4][512]; /* each line with CR LF restored */
  size_t wire_count;
} golden;

/** Reads every ```golden block of the spec at `path`; returns the count (0 when unreadable). */
size_t golden_load(const char *path, golden *out, size_t max);
/** The vector named `name`, or NULL. */
const golden *golden_find(const golden *g, size_t n, const char *name);

#endif
