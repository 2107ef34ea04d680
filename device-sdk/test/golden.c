/* Reads the ```golden blocks of docs/device-protocol.md (name, id, type, body hex, wire lines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Copies at most cap-1 bytes and terminates (no truncation warning games). */
static void copy(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static void chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

size_t golden_load(const char *path, golden *out, size_t max) {
  FILE *f = fopen(path, "r");
  char line[4096];
  size_t n = 0;
  int in = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    chomp(line);
    if (!in) {
      if (strcmp(line, "```golden") == 0 && n < max) {
        in = 1;
        memset(&out[n], 0, sizeof out[n]);
      }
      continue;
    }
    if (strcmp(line, "```") == 0) {
      in = 0;
      n++;
    } else if (strncmp(line, "name: ", 6) == 0) {
      copy(out[n].name, sizeof out[n].name, line + 6);
    } else if (strncmp(line, "id: ", 4) == 0) {
      out[n].id = (uint16_t)strtoul(line + 4, NULL, 16);
    } else if (strncmp(line, "type: ", 6) == 0) {
      copy(out[n].type, sizeof out[n].type, line + 6);
    } else if (strncmp(line, "body: ", 6) == 0 && strcmp(line + 6, "-") != 0) {
      const char *h = line + 6;
      while (h[0] && h[1] && out[n].body_len < sizeof out[n].body) {
        out[n].body[out[n].body_len++] = (uint8_t)(hexval(h[0]) * 16 + hexval(h[1]));
        h += 2;
      }
    } else if (strncmp(line, "wire: ", 6) == 0 && out[n].wire_count < 4) {
      char *w = out[n].wire[out[n].wire_count++];
      char *esc;
      copy(w, 512, line + 6);
      esc = strstr(w, "\\r\\n");
      if (esc) strcpy(esc, "\r\n");
    }
  }
  fclose(f);
  return n;
}

const golden *golden_find(const golden *g, size_t n, const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(g[i].name, name) == 0) return &g[i];
  return NULL;
}
