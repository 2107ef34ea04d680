/* as-agent command line parsing (see AGENT_USAGE). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "as_proto.h"
#include "options.h"

static int parse_algs(const char *s, agent_options *o) {
  char buf[128];
  char *tok, *save = NULL;
  snprintf(buf, sizeof buf, "%s", s);
  o->alg_count = 0;
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    uint8_t a;
    if (strcmp(tok, "ECDSA-P256") == 0) a = AS_ALG_ECDSA_P256;
    else if (strcmp(tok, "RSA-2048") == 0) a = AS_ALG_RSA_2048;
    else if (strcmp(tok, "RSA-3072") == 0) a = AS_ALG_RSA_3072;
    else return -1;
    if (o->alg_count == sizeof o->algs) return -1;
    o->algs[o->alg_count++] = a;
  }
  return o->alg_count ? 0 : -1;
}

static int read_pin_file(const char *path, agent_options *o) {
  FILE *f = fopen(path, "r");
  size_t n;
  if (!f) return -1;
  if (!fgets(o->pin, sizeof o->pin, f)) o->pin[0] = '\0';
  fclose(f);
  n = strlen(o->pin);
  while (n && (o->pin[n - 1] == '\n' || o->pin[n - 1] == '\r')) o->pin[--n] = '\0';
  return 0;
}

int agent_parse_options(int argc, char **argv, agent_options *o, char *err, size_t err_len) {
  int i, pty = 0;
  const char *pin_file = NULL, *env;
  memset(o, 0, sizeof *o);
  o->baud = 115200;
  o->model = "AS-AGENT-LINUX";
  o->firmware = "as-agent 1.0.0";
  o->key_label = "as-agent";
  o->algs[0] = AS_ALG_ECDSA_P256;
  o->algs[1] = AS_ALG_RSA_2048;
  o->alg_count = 2;
  o->max_frame = 1024;
  o->msg_size = 16384;
  o->asset_token = 1;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL(name) (strcmp(a, name) == 0 && v && (i++, 1))
    if (strcmp(a, "--pty") == 0) pty = 1;
    else if (strcmp(a, "--psa") == 0) o->use_psa = 1;
    else if (strcmp(a, "--no-asset-token") == 0) o->asset_token = 0;
    else if (strcmp(a, "--refuse-when-locked") == 0) o->refuse_when_locked = 1;
    else if (VAL("--serial")) o->serial = v;
    else if (VAL("--baud")) o->baud = (unsigned)strtoul(v, NULL, 10);
    else if (VAL("--link")) o->link = v;
    else if (VAL("--state")) o->state_path = v;
    else if (VAL("--psa-dir")) o->psa_dir = v;
    else if (VAL("--pkcs11-module")) o->module = v;
    else if (VAL("--token-label")) o->token = v;
    else if (VAL("--key-label")) o->key_label = v;
    else if (VAL("--pin-file")) pin_file = v;
    else if (VAL("--model")) o->model = v;
    else if (VAL("--uid")) o->uid = v;
    else if (VAL("--firmware")) o->firmware = v;
    else if (VAL("--max-frame")) o->max_frame = (unsigned)strtoul(v, NULL, 10);
    else if (VAL("--msg-size")) o->msg_size = (size_t)strtoul(v, NULL, 10);
    else if (VAL("--algs")) {
      if (parse_algs(v, o) != 0) {
        snprintf(err, err_len, "--algs takes ECDSA-P256, RSA-2048, RSA-3072 (comma-separated)");
        return -1;
      }
    } else {
      snprintf(err, err_len, "unknown or incomplete option %s", a);
      return -1;
    }
#undef VAL
  }
  if (!pty == !o->serial) return snprintf(err, err_len, "give exactly one of --pty or --serial"), -1;
  if (!o->state_path) return snprintf(err, err_len, "--state FILE is required"), -1;
  if (!o->uid) return snprintf(err, err_len, "--uid is required (the device's hardware UID)"), -1;
  if (o->max_frame < 256 || o->max_frame > 8192)
    return snprintf(err, err_len, "--max-frame must be 256..8192"), -1;
  if (o->msg_size < 256) return snprintf(err, err_len, "--msg-size must be at least 256"), -1;
  if (!o->use_psa) {
    if (!o->module || !o->token)
      return snprintf(err, err_len, "--pkcs11-module and --token-label are required (or --psa)"), -1;
    env = getenv("AS_AGENT_PIN");
    if (pin_file) {
      if (read_pin_file(pin_file, o) != 0)
        return snprintf(err, err_len, "cannot read the PIN file %s", pin_file), -1;
    } else if (env) {
      snprintf(o->pin, sizeof o->pin, "%s", env);
    } else {
      return snprintf(err, err_len, "no PIN: set AS_AGENT_PIN or pass --pin-file"), -1;
    }
  }
  return 0;
}
