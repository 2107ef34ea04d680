/*
 * The agent's persistent state (storage port): certificate chains, the Asset binding and the lock
 * flag, in one file (mode 0600). Every change rewrites the file atomically: write a temporary
 * file, fsync it, rename it over the old one, fsync the directory (so a power cut leaves the old
 * or the new state, never a mix). Format: "ASAGENT1", then records item(1) slot(1) len(4, BE) data.
 * Keys are not here: they live in the key store.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define MAX_ENTRIES 16
static const char MAGIC[8] = {'A', 'S', 'A', 'G', 'E', 'N', 'T', '1'};

typedef struct entry {
  uint8_t item, slot;
  uint8_t *data;
  size_t len;
} entry;

struct agent_store {
  char path[1024];
  entry e[MAX_ENTRIES];
  size_t n;
};

static entry *lookup(agent_store *s, uint8_t item, uint8_t slot) {
  size_t i;
  for (i = 0; i < s->n; i++)
    if (s->e[i].item == item && s->e[i].slot == slot) return &s->e[i];
  return NULL;
}

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  while (n) {
    ssize_t k = write(fd, b, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    b += k;
    n -= (size_t)k;
  }
  return 0;
}

static int save(agent_store *s) {
  char tmp[1100], dir[1024];
  char *slash;
  size_t i;
  int fd, ok = 1;
  snprintf(tmp, sizeof tmp, "%s.tmp", s->path);
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  ok = write_all(fd, MAGIC, sizeof MAGIC) == 0;
  for (i = 0; ok && i < s->n; i++) {
    uint8_t h[6];
    h[0] = s->e[i].item;
    h[1] = s->e[i].slot;
    h[2] = (uint8_t)(s->e[i].len >> 24);
    h[3] = (uint8_t)(s->e[i].len >> 16);
    h[4] = (uint8_t)(s->e[i].len >> 8);
    h[5] = (uint8_t)s->e[i].len;
    ok = write_all(fd, h, sizeof h) == 0 && write_all(fd, s->e[i].data, s->e[i].len) == 0;
  }
  ok = ok && fsync(fd) == 0;
  if (close(fd) != 0) ok = 0;
  if (!ok || rename(tmp, s->path) != 0) {
    unlink(tmp);
    return -1;
  }
  snprintf(dir, sizeof dir, "%s", s->path);
  slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
  else snprintf(dir, sizeof dir, ".");
  fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return 0;
}

static int st_read(void *ctx, as_item item, uint8_t slot, uint8_t *buf, size_t cap, size_t *len) {
  entry *e = lookup((agent_store *)ctx, (uint8_t)item, slot);
  *len = e ? e->len : 0;
  if (!e || !buf) return AS_OK;
  if (cap < e->len) return AS_E_TOO_SMALL;
  memcpy(buf, e->data, e->len);
  return AS_OK;
}

static int st_write(void *ctx, as_item item, uint8_t slot, const uint8_t *data, size_t len) {
  agent_store *s = (agent_store *)ctx;
  entry *e = lookup(s, (uint8_t)item, slot), old;
  uint8_t *copy = NULL;
  if (len) {
    copy = (uint8_t *)malloc(len);
    if (!copy) return AS_E_STORAGE;
    memcpy(copy, data, len);
  }
  if (!e) {
    if (!len) return AS_OK;
    if (s->n == MAX_ENTRIES) {
      free(copy);
      return AS_E_STORAGE;
    }
    e = &s->e[s->n++];
    e->item = (uint8_t)item;
    e->slot = slot;
    e->data = NULL;
    e->len = 0;
  }
  old = *e;
  e->data = copy;
  e->len = len;
  if (save(s) != 0) { /* keep memory and file in step: the old value stays */
    *e = old;
    free(copy);
    return AS_E_STORAGE;
  }
  free(old.data);
  return AS_OK;
}

agent_store *agent_store_open(const char *path, char *err, size_t err_len) {
  agent_store *s = (agent_store *)calloc(1, sizeof *s);
  FILE *f;
  uint8_t magic[8];
  if (!s) return NULL;
  snprintf(s->path, sizeof s->path, "%s", path);
  f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT) return s; /* a new device */
    snprintf(err, err_len, "cannot read the state file %s: %s", path, strerror(errno));
    free(s);
    return NULL;
  }
  if (fread(magic, 1, sizeof magic, f) != sizeof magic || memcmp(magic, MAGIC, sizeof magic) != 0)
    goto bad;
  for (;;) {
    uint8_t h[6];
    size_t n = fread(h, 1, sizeof h, f);
    entry *e;
    if (n == 0) break;
    if (n != sizeof h || s->n == MAX_ENTRIES) goto bad;
    e = &s->e[s->n];
    e->item = h[0];
    e->slot = h[1];
    e->len = ((size_t)h[2] << 24) | ((size_t)h[3] << 16) | ((size_t)h[4] << 8) | h[5];
    if (e->len > 1024u * 1024u) goto bad;
    e->data = (uint8_t *)malloc(e->len ? e->len : 1);
    if (!e->data || fread(e->data, 1, e->len, f) != e->len) {
      free(e->data);
      goto bad;
    }
    s->n++;
  }
  fclose(f);
  return s;
bad:
  fclose(f);
  snprintf(err, err_len, "the state file %s is damaged; move it aside to start afresh", path);
  agent_store_close(s);
  return NULL;
}

void agent_store_port(agent_store *s, as_storage_port *port) {
  port->ctx = s;
  port->read = st_read;
  port->write = st_write;
}

void agent_store_close(agent_store *s) {
  size_t i;
  if (!s) return;
  for (i = 0; i < s->n; i++) free(s->e[i].data);
  free(s);
}
