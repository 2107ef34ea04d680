/*
 * as-agent: serves Asset Station device protocol v1 on a serial line for a Linux device (a kiosk
 * on a USB gadget port, or a PTY for tests), keys in PKCS#11 (TPM 2.0 via tpm2-pkcs11, a secure
 * element, SoftHSM2) or PSA Crypto, state in a file. See docs/device-sdk.md "Linux agent".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "as_device.h"
#include "as_keys.h"
#include "options.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int fail(const char *what) {
  fprintf(stderr, "as-agent: %s\n", what);
  return 1;
}

int main(int argc, char **argv) {
  agent_options o;
  agent_line line;
  agent_store *store;
  as_p11 *p11 = NULL;
  as_ports ports;
  as_identity id;
  as_dev dev;
  uint8_t *line_buf, *msg_buf;
  char err[512];
  struct sigaction sa;
  int rc = 0;

  if (agent_parse_options(argc, argv, &o, err, sizeof err) != 0) {
    fprintf(stderr, "as-agent: %s\n%s", err, AGENT_USAGE);
    return 2;
  }
  memset(&ports, 0, sizeof ports);
  store = agent_store_open(o.state_path, err, sizeof err);
  if (!store) return fail(err);
  agent_store_port(store, &ports.storage);
  if (o.use_psa) {
    if (o.psa_dir && chdir(o.psa_dir) != 0) return fail("cannot enter the --psa-dir folder");
    if (as_psa_init() != AS_OK) return fail("PSA Crypto did not start (psa_crypto_init)");
    as_psa_port(&ports.keys);
  } else {
    p11 = as_p11_open(o.module, o.token, o.pin, o.key_label, err, sizeof err);
    if (!p11) return fail(err);
    as_p11_port(p11, &ports.keys);
  }
  if ((o.serial ? agent_serial_open(&line, o.serial, o.baud) : agent_pty_open(&line)) != 0) {
    snprintf(err, sizeof err, "cannot open the line %s: %s", o.serial ? o.serial : "(pty)",
             strerror(errno));
    return fail(err);
  }
  if (o.link) {
    unlink(o.link);
    if (symlink(line.path, o.link) != 0) return fail("cannot create the --link symlink");
  }
  agent_line_ports(&line, &ports.transport, &ports.clock);

  memset(&id, 0, sizeof id);
  id.model = o.model;
  id.uid = o.uid;
  id.firmware = o.firmware;
  memcpy(id.key_algs, o.algs, sizeof id.key_algs);
  id.key_alg_count = o.alg_count;
  id.slot_count = 2;
  id.caps = o.asset_token ? AS_CAP_ASSET_TOKEN : 0;
  id.refuse_when_locked = (uint8_t)o.refuse_when_locked;
  line_buf = (uint8_t *)malloc(o.max_frame);
  msg_buf = (uint8_t *)malloc(o.msg_size);
  if (!line_buf || !msg_buf) return fail("out of memory");
  if (as_dev_init(&dev, &id, &ports, line_buf, (uint16_t)o.max_frame, msg_buf, o.msg_size) != AS_OK)
    return fail("invalid identity or buffer sizes (UID: 1-80 printable ASCII characters, no space, / or \\)");

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  printf("as-agent ready: %s%s%s (uid %s, maxFrame %u, %s keys)\n", line.path,
         o.link ? " link " : "", o.link ? o.link : "", o.uid, o.max_frame,
         o.use_psa ? "PSA" : "PKCS#11");
  fflush(stdout);

  while (!stop_requested) {
    agent_line_wait(&line, 200);
    as_dev_poll(&dev);
  }
  if (o.link) unlink(o.link);
  printf("as-agent stopped: %lu frames, %lu bad, %lu commands, %lu replays\n",
         (unsigned long)dev.stats.frames_in, (unsigned long)dev.stats.bad_frames,
         (unsigned long)dev.stats.requests, (unsigned long)dev.stats.replays);
  if (p11) as_p11_close(p11);
  agent_store_close(store);
  free(line_buf);
  free(msg_buf);
  close(line.fd);
  if (line.hold_fd >= 0) close(line.hold_fd);
  return rc;
}
